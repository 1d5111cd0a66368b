// Keys (advanced): every key with its algorithm, where it lives, its uses and guards; a key's detail; generate
// (algorithm picker by use, policy explained); import (the key material is pasted in a trusted window).
import { useEffect, useState } from 'react';
import { ErrorBanner, Progress, Success } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { providerLabel, purposeText, shorten } from '../format/formatting.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi } from '../walletClient.js';
import { GenerateKeyForm } from './GenerateKeyForm.js';
import { KeyDetail } from './KeyDetail.js';

export function KeysScreen() {
  const wallet = walletApi();
  const { keys, error: loadError, reload } = useKeys();
  const [selected, setSelected] = useState('');
  const [providers, setProviders] = useState<string[]>(['software']);
  const [message, setMessage] = useState('');
  const [approvalForImport, setApprovalForImport] = useState(false);
  const { busy, error, run } = useAction();

  useEffect(() => {
    void unwrap(wallet.kms.status({ probe: false }))
      .then((s) => setProviders(['software', ...s.tokens.map((t) => `pkcs11:${t.serial}`)]))
      .catch(() => undefined);
  }, [wallet]);

  const importKey = () =>
    run('Waiting for the key in the trusted import window…', async () => {
      const r = await unwrap(wallet.keys.importKey({ label: 'Imported key', ...(approvalForImport ? { requiresApproval: true } : {}) }));
      if (r.imported && r.key) {
        setMessage(`Imported “${r.key.label}” (${r.key.algorithm}).`);
        setSelected(r.key.id);
      }
      await reload();
    });

  const detail = keys?.find((k) => k.id === selected);
  return (
    <section aria-labelledby="keys-title">
      <div className="screen-head"><h2 id="keys-title">Keys</h2><span className="muted">{keys ? `${keys.length} keys` : ''}</span></div>
      {loadError && <ErrorBanner error={loadError} />}
      {message && <Success>{message}</Success>}
      <div className="grid" style={{ gridTemplateColumns: detail ? 'minmax(0, 1fr) minmax(0, 1.15fr)' : undefined }}>
        <div className="card">
          {keys && keys.length === 0 && <p className="muted">No keys yet. Generate one below, or import one.</p>}
          {keys && keys.length > 0 && (
            <table aria-label="Keys">
              <thead><tr><th scope="col">Label</th><th scope="col">Algorithm</th><th scope="col">Lives in</th><th scope="col">Uses</th><th scope="col">Guards</th></tr></thead>
              <tbody>
                {keys.map((k) => {
                  const p = providerLabel(k.provider);
                  return (
                    <tr key={k.id} className={k.id === selected ? 'selected' : ''}>
                      <td>
                        <button className="link" onClick={() => { setSelected(k.id); setMessage(''); }} aria-label={`Details of ${k.label || k.id}`}>{k.label || shorten(k.id)}</button>
                      </td>
                      <td><code>{k.algorithm}</code></td>
                      <td>{p.kind === 'software' ? 'software' : p.kind === 'token' ? 'token' : 'remote'}</td>
                      <td><span className="chips">{k.purposes.map((x) => <span key={x} className="chip">{purposeText(x)}</span>)}</span></td>
                      <td>
                        <span className="chips">
                          {k.requiresApproval && <span className="chip guard">asks</span>}
                          {k.exportable && <span className="chip guard">exportable</span>}
                          {k.derivation && <span className="chip">derived</span>}
                        </span>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
          <GenerateKeyForm
            providers={providers}
            onCreated={(k) => {
              setMessage(`Generated “${k.label}” (${k.algorithm}).`);
              setSelected(k.id);
              void reload();
            }}
          />
          <h3>Import a key</h3>
          <p className="hint">You paste the key (a JWK, a PEM private or public key, or secret bytes) in a trusted window, never here.</p>
          {error && <ErrorBanner error={error} />}
          {busy && <Progress text={busy} />}
          <label className="check"><input type="checkbox" checked={approvalForImport} onChange={(e) => setApprovalForImport(e.target.checked)} />Ask me before each use of the imported key</label>
          <div className="row" style={{ marginTop: 8 }}><button className="secondary" onClick={() => void importKey()} disabled={!!busy}>Import a key…</button></div>
        </div>
        {detail && (
          <KeyDetail
            keyInfo={detail}
            onChanged={() => void reload()}
            onDeleted={() => {
              setMessage(`Deleted “${detail.label || detail.id}”.`);
              setSelected('');
              void reload();
            }}
            onClose={() => setSelected('')}
          />
        )}
      </div>
    </section>
  );
}
