// Sign a message with the selected key and verify the signature (through the KMS, as `ui`; a guarded key brings
// up the approval prompt in main).
import { useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { errorText, textToB64u, unwrap, walletApi } from '../walletClient.js';

export function SignPanel(props: { keys: KeyInfo[]; selected: string; onSelect: (id: string) => void; onError: (m: string) => void }) {
  const wallet = walletApi();
  const [message, setMessage] = useState('');
  const [signature, setSignature] = useState('');
  const [verdict, setVerdict] = useState<'' | 'valid' | 'invalid'>('');
  const [busy, setBusy] = useState(false);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    props.onError('');
    try {
      await fn();
    } catch (e) {
      props.onError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const sign = () =>
    act(async () => {
      setVerdict('');
      setSignature('');
      const r = await unwrap(wallet.crypto.sign({ id: props.selected, data: textToB64u(message) }));
      setSignature(r.signature);
    });

  const verify = () =>
    act(async () => {
      const r = await unwrap(wallet.crypto.verify({ id: props.selected, data: textToB64u(message), signature }));
      setVerdict(r.valid ? 'valid' : 'invalid');
    });

  return (
    <section className="card" aria-labelledby="sign-title">
      <h2 id="sign-title">Sign and verify</h2>
      <div className="form">
        <label>Key
          <select value={props.selected} onChange={(e) => props.onSelect(e.target.value)}>
            {props.keys.length === 0 && <option value="">No signing key</option>}
            {props.keys.map((k) => <option key={k.id} value={k.id}>{k.label} ({k.algorithm})</option>)}
          </select>
        </label>
        <label>Message<textarea rows={3} value={message} onChange={(e) => { setMessage(e.target.value); setVerdict(''); }} /></label>
        <div className="row">
          <button disabled={busy || !props.selected} onClick={sign}>Sign</button>
          <button className="secondary" disabled={busy || !props.selected || !signature} onClick={verify}>Verify</button>
        </div>
        <label>Signature (base64url)<textarea rows={3} value={signature} onChange={(e) => { setSignature(e.target.value); setVerdict(''); }} /></label>
        {verdict && (
          <p className={verdict === 'valid' ? 'ok' : 'error'} role="status" data-testid="verdict">
            {verdict === 'valid' ? 'Signature valid' : 'Signature NOT valid'}
          </p>
        )}
      </div>
    </section>
  );
}
