// Sign and verify: a message (an Ethereum personal message with secp256k1), a JWS, raw data with a chosen scheme;
// verify a signature with a key of the wallet or with a public key someone gave you. Guarded keys bring up the
// trusted approval window, which shows the message (or its hash) before anything is signed.
import { useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { CopyValue } from '../components/CopyButton.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { TabPanel, Tabs } from '../components/Tabs.js';
import { useAction } from '../components/useAction.js';
import { fromB64u, textToB64u, toHex } from '../format/formatting.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi, WalletError } from '../walletClient.js';
import { FORMATS, HASHES, inputToB64u, parsePublicKey, schemesFor, signatureToB64u, type Encoding } from './signOptions.js';
import { VerifyPanel } from './VerifyPanel.js';

type Tab = 'message' | 'jws' | 'raw' | 'verify';
const TABS = [
  { id: 'message', title: 'Message' },
  { id: 'jws', title: 'JWS' },
  { id: 'raw', title: 'Raw data' },
  { id: 'verify', title: 'Verify' },
] as const;

export function KeySelect({ keys, value, onChange, label = 'Key' }: { keys: KeyInfo[]; value: string; onChange: (id: string) => void; label?: string }) {
  return (
    <label>{label}
      <select value={value} onChange={(e) => onChange(e.target.value)}>
        {keys.length === 0 && <option value="">No suitable key: generate one under Keys</option>}
        {keys.map((k) => <option key={k.id} value={k.id}>{k.label || k.id} ({k.algorithm}{k.requiresApproval ? ', asks' : ''})</option>)}
      </select>
    </label>
  );
}

export function SignScreen() {
  const [tab, setTab] = useState<Tab>('message');
  const { keys } = useKeys();
  const signers = (keys ?? []).filter((k) => k.purposes.includes('sign'));
  return (
    <section aria-labelledby="sign-title">
      <div className="screen-head"><h2 id="sign-title">Sign and verify</h2></div>
      <div className="card">
        <Tabs label="What to sign" tabs={TABS} current={tab} onChange={setTab} />
        {tab === 'message' && <TabPanel id="message"><SignForm mode="message" keys={signers} /></TabPanel>}
        {tab === 'jws' && <TabPanel id="jws"><SignForm mode="jws" keys={signers.filter((k) => /^(ed25519|p256|p384|secp256k1|rsa)/.test(k.algorithm))} /></TabPanel>}
        {tab === 'raw' && <TabPanel id="raw"><SignForm mode="raw" keys={signers} /></TabPanel>}
        {tab === 'verify' && <TabPanel id="verify"><VerifyPanel keys={(keys ?? []).filter((k) => k.purposes.includes('verify'))} /></TabPanel>}
      </div>
    </section>
  );
}

function SignForm({ mode, keys }: { mode: 'message' | 'jws' | 'raw'; keys: KeyInfo[] }) {
  const wallet = walletApi();
  const [id, setId] = useState('');
  const key = keys.find((k) => k.id === id) ?? keys[0];
  const [text, setText] = useState('');
  const [encoding, setEncoding] = useState<Encoding>('text');
  const [eip191, setEip191] = useState(true);
  const [scheme, setScheme] = useState('');
  const [hash, setHash] = useState('');
  const [format, setFormat] = useState('');
  const [prehashed, setPrehashed] = useState(false);
  const [out, setOut] = useState<{ value: string; hex?: string } | undefined>(undefined);
  const { busy, error, run } = useAction();
  const schemes = key ? schemesFor(key.algorithm) : [];
  const isEth = key?.algorithm === 'secp256k1' && mode === 'message';

  const sign = () =>
    run(key?.requiresApproval ? 'Waiting for your approval in the trusted window…' : 'Signing…', async () => {
      setOut(undefined);
      if (!key) return;
      if (mode === 'jws') {
        const r = await unwrap(wallet.crypto.signJws({ id: key.id, payload: textToB64u(text) }));
        setOut({ value: r.jws });
        return;
      }
      const data = mode === 'raw' ? inputToB64u(text, encoding) : textToB64u(text);
      if (data === undefined) throw new WalletError('INVALID_REQUEST', `the data is not valid ${encoding}`);
      const opts: Record<string, unknown> = {};
      if (mode === 'message' && isEth && eip191) opts.scheme = 'eip191';
      if (mode === 'raw') {
        if (scheme) opts.scheme = scheme;
        if (hash) opts.hash = hash;
        if (format) opts.format = format;
        if (prehashed) opts.prehashed = true;
      }
      const r = await unwrap(wallet.crypto.sign({ id: key.id, data, ...opts } as never));
      setOut({ value: r.signature, ...(opts.scheme === 'eip191' ? { hex: `0x${toHex(fromB64u(r.signature))}` } : {}) });
    });

  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void sign(); }}>
      <KeySelect keys={keys} value={key?.id ?? ''} onChange={(v) => { setId(v); setOut(undefined); }} />
      {mode === 'raw' && (
        <label>The data is
          <select value={encoding} onChange={(e) => setEncoding(e.target.value as Encoding)}>
            <option value="text">text (UTF-8)</option><option value="hex">hex</option><option value="base64url">base64url</option>
          </select>
        </label>
      )}
      <label>{mode === 'jws' ? 'Payload (JSON or text)' : mode === 'raw' ? 'Data' : 'Message'}
        <textarea rows={4} value={text} onChange={(e) => { setText(e.target.value); setOut(undefined); }} />
      </label>
      {isEth && <label className="check"><input type="checkbox" checked={eip191} onChange={(e) => setEip191(e.target.checked)} />As an Ethereum personal message (EIP-191, what dapps ask with personal_sign)</label>}
      {mode === 'raw' && key && (
        <div className="row">
          <label>Scheme<select value={scheme} onChange={(e) => setScheme(e.target.value)}><option value="">default</option>{schemes.map((s) => <option key={s.id} value={s.id}>{s.name}</option>)}</select></label>
          <label>Hash<select value={hash} onChange={(e) => setHash(e.target.value)}>{HASHES.map((h) => <option key={h} value={h}>{h || 'default'}</option>)}</select></label>
          <label>Output<select value={format} onChange={(e) => setFormat(e.target.value)}>{FORMATS.map((f) => <option key={f} value={f}>{f || 'default'}</option>)}</select></label>
          <label className="check"><input type="checkbox" checked={prehashed} onChange={(e) => setPrehashed(e.target.checked)} />The data is already a digest</label>
        </div>
      )}
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || !key}>Sign</button></div>
      {out && (
        <div aria-live="polite">
          <h3>{mode === 'jws' ? 'Signed JWS' : 'Signature'}</h3>
          <CopyValue value={out.hex ?? out.value} what={mode === 'jws' ? 'JWS' : 'signature'} testId="signature" />
          {!out.hex && mode !== 'jws' && <p className="hint">base64url</p>}
        </div>
      )}
    </form>
  );
}

export { parsePublicKey, signatureToB64u };
