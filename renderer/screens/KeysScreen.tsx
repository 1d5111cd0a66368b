// Keys: the list, a form to generate a key or a new recovery phrase, and the sign/verify panel for the selected key.
import { useCallback, useEffect, useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { errorText, unwrap, walletApi } from '../walletClient.js';
import { SignPanel } from './SignPanel.js';

const SIGNING_ALGORITHMS = ['ed25519', 'p256', 'secp256k1', 'p384', 'rsa-2048', 'ml-dsa-65'] as const;

export function KeysScreen({ onError }: { onError: (message: string) => void }) {
  const wallet = walletApi();
  const [keys, setKeys] = useState<KeyInfo[]>([]);
  const [selected, setSelected] = useState<string>('');
  const [label, setLabel] = useState('');
  const [algorithm, setAlgorithm] = useState<(typeof SIGNING_ALGORITHMS)[number]>('ed25519');
  const [guarded, setGuarded] = useState(false);
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    const r = await unwrap(wallet.keys.list({}));
    // keys.list pages go in key-id order (random ids); people expect their keys oldest first.
    const list = [...r.keys].sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0));
    setKeys(list);
    setSelected((s) => (s && list.some((k) => k.id === s) ? s : (list.find((k) => k.purposes.includes('sign'))?.id ?? '')));
  }, [wallet]);

  useEffect(() => {
    load().catch((e) => onError(errorText(e)));
  }, [load, onError]);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    onError('');
    try {
      await fn();
      await load();
    } catch (e) {
      onError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  const generate = () =>
    act(async () => {
      const key = await unwrap(wallet.keys.generate({ algorithm, label: label || `${algorithm} key`, requiresApproval: guarded }));
      setSelected(key.id);
      setLabel('');
      setGuarded(false);
    });

  const createSeed = () =>
    act(async () => {
      const r = await unwrap(wallet.keys.createSeed({ label: label || 'Recovery phrase', words: 24 }));
      if (r.created) setLabel('');
    });

  return (
    <div className="grid">
      <section className="card" aria-labelledby="keys-title">
        <h2 id="keys-title">Keys</h2>
        {keys.length === 0 ? (
          <p className="muted">No keys yet. Generate one below.</p>
        ) : (
          <table>
            <thead>
              <tr><th>Label</th><th>Algorithm</th><th>Id</th><th>Approval</th></tr>
            </thead>
            <tbody>
              {keys.map((k) => (
                <tr key={k.id} className={k.id === selected ? 'selected' : ''} onClick={() => k.purposes.includes('sign') && setSelected(k.id)}>
                  <td>{k.label}</td>
                  <td><code>{k.algorithm}</code></td>
                  <td><code title={k.id}>{k.id.slice(0, 10)}…</code></td>
                  <td>{k.requiresApproval ? 'asks' : ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        <h3>New key</h3>
        <div className="form">
          <label>Label<input value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. Savings" /></label>
          <label>Algorithm
            <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value as typeof algorithm)}>
              {SIGNING_ALGORITHMS.map((a) => <option key={a} value={a}>{a}</option>)}
            </select>
          </label>
          <label className="check"><input type="checkbox" checked={guarded} onChange={(e) => setGuarded(e.target.checked)} />Ask me before each use</label>
          <div className="row">
            <button disabled={busy} onClick={generate}>Generate key</button>
            <button className="secondary" disabled={busy} onClick={createSeed}>New recovery phrase</button>
          </div>
        </div>
      </section>
      <SignPanel keys={keys.filter((k) => k.purposes.includes('sign'))} selected={selected} onSelect={setSelected} onError={onError} />
    </div>
  );
}
