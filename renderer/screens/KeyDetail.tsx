// One key in full: its public key (raw and JWK), did:key and addresses, fingerprints (SHA-256 of the raw public key
// and the RFC 7638 JWK thumbprint), its policy; rename, require approval (rights only go down from here), rotate
// (symmetric keys), delete with confirmation. Every value shown is public and has a copy button.
import { useEffect, useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { CopyButton, CopyValue } from '../components/CopyButton.js';
import { ErrorBanner, Progress, Success } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatDate, fromB64u, groupHex, jwkThumbprint, providerLabel, purposeText, sha256Hex, toHex } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';

const SYMMETRIC = /^(aes|hmac|chacha|xchacha)/;
const EXTRA_NAMES: Record<string, string> = {
  ethereumAddress: 'Ethereum address',
  bitcoinP2wpkh: 'Bitcoin address (P2WPKH)',
  bitcoinP2tr: 'Bitcoin address (P2TR)',
  solanaAddress: 'Solana address',
  didKey: 'did:key',
};

export function KeyDetail({ keyInfo, onChanged, onDeleted, onClose }: { keyInfo: KeyInfo; onChanged: () => void; onDeleted: () => void; onClose: () => void }) {
  const wallet = walletApi();
  const k = keyInfo;
  const [fingerprint, setFingerprint] = useState('');
  const [thumbprint, setThumbprint] = useState('');
  const [label, setLabel] = useState(k.label);
  const [confirming, setConfirming] = useState(false);
  const [done, setDone] = useState('');
  const { busy, error, run } = useAction();

  useEffect(() => {
    setLabel(k.label);
    setDone('');
  }, [k.id, k.label]);
  useEffect(() => {
    if (k.publicKey?.raw) void sha256Hex(fromB64u(k.publicKey.raw)).then(setFingerprint);
    else setFingerprint('');
    if (k.publicKey?.jwk) void jwkThumbprint(k.publicKey.jwk).then((t) => setThumbprint(t ?? ''));
    else setThumbprint('');
  }, [k]);

  const act = (progress: string, message: string, fn: () => Promise<unknown>) =>
    run(progress, async () => {
      await fn();
      setDone(message);
      onChanged();
    });
  const provider = providerLabel(k.provider);
  const jwkText = k.publicKey?.jwk ? JSON.stringify(k.publicKey.jwk, null, 2) : '';
  return (
    <section className="card" aria-labelledby="detail-title" data-testid="key-detail">
      <div className="screen-head">
        <h3 id="detail-title" style={{ margin: 0, flex: 1 }}>{k.label || 'Unnamed key'}</h3>
        <button className="secondary" onClick={onClose}>Close</button>
      </div>
      {error && <ErrorBanner error={error} />}
      {done && <Success>{done}</Success>}
      {busy && <Progress text={busy} />}
      <dl className="facts narrow">
        <dt>Algorithm</dt><dd><code>{k.algorithm}</code></dd>
        <dt>Lives in</dt><dd>{provider.text}</dd>
        <dt>Key id</dt><dd><CopyValue value={k.id} what="key id" /></dd>
        <dt>Created</dt><dd>{formatDate(k.createdAt)}</dd>
        <dt>Allowed uses</dt><dd>{k.purposes.map(purposeText).join(', ') || 'none'}</dd>
        <dt>Guards</dt>
        <dd>
          {k.requiresApproval ? 'Asks before each use. ' : 'Used without asking. '}
          {k.exportable ? 'Exportable (command line or trusted window only). ' : 'Not exportable. '}
          {k.callers ? `Only for: ${k.callers.join(', ')}.` : ''}
        </dd>
        {k.version !== undefined && (<><dt>Version</dt><dd>{k.version}</dd></>)}
        {k.derivation && (<><dt>Derived</dt><dd>path <code>{k.derivation.path}</code> of key <code>{k.derivation.parentId}</code></dd></>)}
        {k.publicKey?.raw && (<><dt>Public key</dt><dd><CopyValue value={k.publicKey.raw} what="public key (base64url)" testId="public-raw" /><span className="hint">raw, base64url; hex {toHex(fromB64u(k.publicKey.raw)).slice(0, 16)}…</span></dd></>)}
        {fingerprint && (<><dt>SHA-256 fingerprint</dt><dd><CopyValue value={groupHex(fingerprint)} what="SHA-256 fingerprint" testId="fingerprint" /><span className="hint">of the raw public key</span></dd></>)}
        {thumbprint && (<><dt>JWK thumbprint</dt><dd><CopyValue value={thumbprint} what="JWK thumbprint" testId="thumbprint" /><span className="hint">RFC 7638, SHA-256</span></dd></>)}
        {Object.entries(k.extra ?? {}).map(([name, value]) => (
          <div key={name} style={{ display: 'contents' }}><dt>{EXTRA_NAMES[name] ?? name}</dt><dd><CopyValue value={value} what={EXTRA_NAMES[name] ?? name} testId={`extra-${name}`} /></dd></div>
        ))}
        {jwkText && (<><dt>JWK</dt><dd><pre data-testid="jwk">{jwkText}</pre><CopyButton value={JSON.stringify(k.publicKey!.jwk)} what="public JWK" /></dd></>)}
        {!k.publicKey && (<><dt>Public key</dt><dd className="muted">None: a secret (symmetric) key has no public part.</dd></>)}
      </dl>

      <h3>Change</h3>
      <form className="row" onSubmit={(e) => { e.preventDefault(); void act('Renaming…', 'Renamed.', () => unwrap(wallet.keys.update({ id: k.id, label }))); }}>
        <label style={{ flex: 1 }}>New label<input value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} /></label>
        <button type="submit" className="secondary" disabled={!!busy || label === k.label} style={{ alignSelf: 'flex-end' }}>Rename</button>
      </form>
      <div className="row" style={{ marginTop: 10 }}>
        {!k.requiresApproval && (
          <button className="secondary" disabled={!!busy} onClick={() => void act('Saving…', 'This key now asks before each use.', () => unwrap(wallet.keys.update({ id: k.id, policy: { requiresApproval: true } })))}>Ask before each use</button>
        )}
        {SYMMETRIC.test(k.algorithm) && k.provider === 'software' && (
          <button className="secondary" disabled={!!busy} onClick={() => void act('Rotating…', 'Rotated: new encryptions use the new version; old ciphertexts still decrypt.', () => unwrap(wallet.keys.rotate({ id: k.id })))}>Rotate</button>
        )}
        <button className="danger" disabled={!!busy} onClick={() => setConfirming(true)}>Delete…</button>
      </div>
      <p className="hint">Turning off “ask before each use” or making a key exportable needs the command line (owkms): this window can only narrow a key’s rights.</p>
      {confirming && (
        <ConfirmDialog
          title={`Delete “${k.label || k.id}”?`}
          confirm="Delete key"
          onCancel={() => setConfirming(false)}
          onConfirm={() => {
            setConfirming(false);
            void run('Deleting… (a key with a secret asks in a trusted window first)', async () => {
              await unwrap(wallet.keys.delete({ id: k.id }));
              onDeleted();
            });
          }}
        >
          <p>{provider.kind === 'token' ? 'The key record is removed; the key itself stays on its token.' : 'The key is destroyed. Anything signed stays signed, but nothing it encrypted can be decrypted again, unless you have a backup.'}</p>
          {k.derivation && <p>This account can be derived again from its recovery phrase.</p>}
        </ConfirmDialog>
      )}
    </section>
  );
}
