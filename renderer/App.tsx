// The minimal wallet UI that drives issue 11's tests: create, unlock, keys, sign and verify, lock. Issue 12 builds
// the full screens on the same bridge.
import { useCallback, useEffect, useState } from 'react';
import type { WalletEvent } from '../main/preload/walletApi.js';
import { KeysScreen } from './screens/KeysScreen.js';
import { errorText, unwrap, walletApi } from './walletClient.js';

type State = 'loading' | 'uninitialized' | 'locked' | 'unlocked' | 'unavailable';

const LOCK_NOTES: Record<string, string> = {
  'kms-exited': 'The wallet locked because the key service stopped. Unlock to continue.',
  idle: 'The wallet locked after a period of inactivity.',
  suspend: 'The wallet locked when the computer went to sleep.',
  'screen-locked': 'The wallet locked when the screen locked.',
};

export function App() {
  const wallet = walletApi();
  const [state, setState] = useState<State>('loading');
  const [note, setNote] = useState<string>('');
  const [error, setError] = useState<string>('');
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(async () => {
    try {
      const s = await unwrap(wallet.kms.status({ probe: false }));
      setState(s.state);
    } catch (e) {
      setError(errorText(e));
      setState('unavailable');
    }
  }, [wallet]);

  useEffect(() => {
    void refresh();
    wallet.session.onEvent((e: WalletEvent) => {
      if (e.type === 'locked') {
        setState('locked');
        setNote(LOCK_NOTES[e.reason] ?? '');
      } else if (e.type === 'unlocked') setState('unlocked');
      else setNote(e.message);
    });
  }, [wallet, refresh]);

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError('');
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
      await refresh();
    }
  };

  return (
    <div className="app">
      <header className="bar">
        <h1>OpenWallet</h1>
        <span className={`pill ${state}`} data-testid="wallet-state">
          {state === 'unlocked' ? 'Unlocked' : state === 'locked' ? 'Locked' : state === 'uninitialized' ? 'No wallet' : state === 'loading' ? '…' : 'Unavailable'}
        </span>
        {state === 'unlocked' && (
          <button className="secondary" disabled={busy} onClick={() => run(async () => { await unwrap(wallet.kms.lock({})); setNote(''); })}>
            Lock
          </button>
        )}
      </header>
      {note && state !== 'unlocked' && <p className="note" role="status">{note}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <main>
        {state === 'uninitialized' && (
          <section className="card center">
            <h2>Welcome</h2>
            <p>Your keys will live in an encrypted keystore, protected by a passphrase you choose in a separate, trusted window.</p>
            <button disabled={busy} onClick={() => run(() => unwrap(wallet.session.createWallet()))}>Create wallet</button>
          </section>
        )}
        {state === 'locked' && (
          <section className="card center">
            <h2>Wallet locked</h2>
            <p>Unlock it with your passphrase to use your keys.</p>
            <button disabled={busy} onClick={() => run(async () => { await unwrap(wallet.session.unlock()); setNote(''); })}>Unlock</button>
          </section>
        )}
        {state === 'unlocked' && <KeysScreen onError={setError} />}
      </main>
    </div>
  );
}
