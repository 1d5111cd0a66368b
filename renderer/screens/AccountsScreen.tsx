// Accounts: the HD wallet's Ethereum, Bitcoin (P2WPKH, P2TR) and Solana accounts, each with its derivation path,
// its address (copy, QR code), and "add the next account". A wallet without a recovery phrase offers to make one
// or restore one (both in trusted prompts).
import { useState } from 'react';
import { CopyButton } from '../components/CopyButton.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { QrCode } from '../components/QrCode.js';
import { useAction } from '../components/useAction.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi } from '../walletClient.js';
import { accountsOf, CHAINS, nextIndex, type Chain } from './accountChains.js';

export function AccountsScreen() {
  const wallet = walletApi();
  const { keys, error: loadError, reload } = useKeys();
  const { busy, error, run } = useAction();
  const seeds = (keys ?? []).filter((k) => k.algorithm === 'hd-seed');
  const [seedId, setSeedId] = useState('');
  const seed = seeds.find((s) => s.id === seedId) ?? seeds[0];
  const [shown, setShown] = useState<string>('');

  const add = (chain: Chain, index: number) =>
    run(`Deriving ${chain.name} account ${index + 1}…`, async () => {
      await unwrap(wallet.keys.derive({ id: seed!.id, path: chain.path(index), child: chain.child, label: `${chain.short} ${index + 1}` }));
      await reload();
    });
  const createSeed = () =>
    run('Showing a new recovery phrase in a trusted window…', async () => {
      await unwrap(wallet.keys.createSeed({ label: 'Main wallet', words: 24 }));
      await reload();
    });
  const restoreSeed = () =>
    run('Waiting for your words in the trusted window…', async () => {
      await unwrap(wallet.keys.restoreSeed({ label: 'Restored wallet' }));
      await reload();
    });

  const accounts = seed ? accountsOf(seed.id, keys ?? []) : undefined;
  return (
    <section aria-labelledby="accounts-title">
      <div className="screen-head">
        <h2 id="accounts-title">Accounts</h2>
        {seeds.length > 1 && (
          <label className="row" style={{ flexDirection: 'row' }}>Recovery phrase
            <select value={seed?.id} onChange={(e) => setSeedId(e.target.value)}>
              {seeds.map((s) => <option key={s.id} value={s.id}>{s.label || s.id}</option>)}
            </select>
          </label>
        )}
        {seed && <button className="secondary" onClick={() => void restoreSeed()} disabled={!!busy}>Restore another phrase</button>}
      </div>
      {loadError && <ErrorBanner error={loadError} />}
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {keys && !seed && (
        <div className="card center">
          <h3>No recovery phrase yet</h3>
          <p className="lead">Accounts come from a recovery phrase. Make a new one, or type one you already have; both happen in a trusted window.</p>
          <div className="row">
            <button onClick={() => void createSeed()} disabled={!!busy}>Create a recovery phrase</button>
            <button className="secondary" onClick={() => void restoreSeed()} disabled={!!busy}>Restore a recovery phrase</button>
          </div>
        </div>
      )}
      {seed && accounts && (
        <div className="grid">
          {CHAINS.map((chain) => {
            const list = accounts.get(chain.id)!;
            const next = nextIndex(list);
            return (
              <section key={chain.id} className="card" aria-labelledby={`chain-${chain.id}`}>
                <div className="screen-head">
                  <h3 id={`chain-${chain.id}`} style={{ margin: 0, flex: 1 }}>{chain.name}</h3>
                  <button className="secondary" onClick={() => void add(chain, next)} disabled={!!busy} aria-label={`Add account: ${chain.name} ${next + 1}`}>Add account</button>
                </div>
                {list.length === 0 && <p className="muted">No account yet. “Add account” derives the first one ({chain.path(0)}).</p>}
                {list.map((a) => (
                  <div key={a.key.id} className="account" data-testid={`account-${chain.id}-${a.index}`}>
                    <div>
                      <div><strong>{a.key.label || `${chain.short} ${a.index + 1}`}</strong></div>
                      <div className="hint">Path <code>{a.key.derivation?.path}</code> ({chain.standard})</div>
                      <code className="wrap" data-testid="address">{a.address}</code>
                      <div className="row" style={{ marginTop: 6 }}>
                        <CopyButton value={a.address} what={`${chain.name} address ${a.index + 1}`} />
                        <button className="secondary" aria-expanded={shown === a.key.id} onClick={() => setShown(shown === a.key.id ? '' : a.key.id)} aria-label={`${shown === a.key.id ? 'Hide QR code' : 'QR code'} for ${chain.name} address ${a.index + 1}`}>
                          {shown === a.key.id ? 'Hide QR code' : 'QR code'}
                        </button>
                      </div>
                    </div>
                    {shown === a.key.id && <QrCode value={a.address} label={`QR code of ${a.address}`} />}
                  </div>
                ))}
              </section>
            );
          })}
        </div>
      )}
    </section>
  );
}
