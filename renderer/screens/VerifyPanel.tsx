// Verify a signature: with a key of this wallet, or with a public key someone gave you (a JWK, a PEM public key,
// or raw bytes in hex or base64url). Nothing is stored; the KMS checks it.
import { useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { textToB64u } from '../format/formatting.js';
import { unwrap, walletApi, WalletError } from '../walletClient.js';
import { ALGORITHM_GROUPS } from './keyCatalog.js';
import { parsePublicKey, schemesFor, signatureToB64u } from './signOptions.js';
import { KeySelect } from './SignScreen.js';

const SIGNING_ALGORITHMS = [...new Set(ALGORITHM_GROUPS.filter((g) => g.use === 'Signing' || g.use === 'Post-quantum').flatMap((g) => g.choices.map((c) => c.id)))].filter((a) => a !== 'ml-kem-768');

export function VerifyPanel({ keys }: { keys: KeyInfo[] }) {
  const wallet = walletApi();
  const [source, setSource] = useState<'wallet' | 'pasted'>('wallet');
  const [id, setId] = useState('');
  const key = keys.find((k) => k.id === id) ?? keys[0];
  const [algorithm, setAlgorithm] = useState('ed25519');
  const [publicKey, setPublicKey] = useState('');
  const [message, setMessage] = useState('');
  const [signature, setSignature] = useState('');
  const [scheme, setScheme] = useState('');
  const [verdict, setVerdict] = useState<boolean | undefined>(undefined);
  const { busy, error, run } = useAction();
  const alg = source === 'wallet' ? key?.algorithm ?? '' : algorithm;

  const verify = () =>
    run('Checking…', async () => {
      setVerdict(undefined);
      const sig = signatureToB64u(signature);
      if (!sig) throw new WalletError('INVALID_REQUEST', 'the signature is not hex (0x…) or base64url');
      const common = { data: textToB64u(message), signature: sig, ...(scheme ? { scheme } : {}) };
      if (source === 'wallet') {
        if (!key) return;
        setVerdict((await unwrap(wallet.crypto.verify({ id: key.id, ...common } as never))).valid);
      } else {
        const pk = parsePublicKey(publicKey);
        if (!pk) throw new WalletError('INVALID_REQUEST', 'the public key is not a JWK, a PEM public key, hex or base64url');
        setVerdict((await unwrap(wallet.crypto.verifyWithPublicKey({ algorithm, publicKey: pk, ...common } as never))).valid);
      }
    });

  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void verify(); }}>
      <fieldset>
        <legend>Verify with</legend>
        <label className="radio"><input type="radio" name="verify-source" checked={source === 'wallet'} onChange={() => setSource('wallet')} />A key in this wallet</label>
        <label className="radio"><input type="radio" name="verify-source" checked={source === 'pasted'} onChange={() => setSource('pasted')} />A public key someone gave me</label>
      </fieldset>
      {source === 'wallet' ? (
        <KeySelect keys={keys} value={key?.id ?? ''} onChange={setId} />
      ) : (
        <>
          <label>Algorithm<select value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>{SIGNING_ALGORITHMS.map((a) => <option key={a} value={a}>{a}</option>)}</select></label>
          <label>Public key<textarea rows={3} value={publicKey} onChange={(e) => setPublicKey(e.target.value)} placeholder='{"kty":"OKP",...}, -----BEGIN PUBLIC KEY-----, or hex' /></label>
        </>
      )}
      <label>Scheme<select value={scheme} onChange={(e) => setScheme(e.target.value)}><option value="">default</option>{schemesFor(alg).map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select></label>
      <label>Message (text)<textarea rows={3} value={message} onChange={(e) => { setMessage(e.target.value); setVerdict(undefined); }} /></label>
      <label>Signature (0x hex or base64url)<textarea rows={3} value={signature} onChange={(e) => { setSignature(e.target.value); setVerdict(undefined); }} /></label>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy}>Verify</button></div>
      {verdict !== undefined && (
        <p className={verdict ? 'success' : 'alert'} role="status" data-testid="verdict">
          {verdict ? 'Signature valid: this key signed exactly this message.' : 'Signature NOT valid for this key and message.'}
        </p>
      )}
    </form>
  );
}
