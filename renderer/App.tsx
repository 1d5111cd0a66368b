// The wallet window: the state of the wallet (no wallet, locked, unlocked, unavailable) decides the screen; once
// unlocked, a side navigation leads to every screen. Everything goes through window.wallet; nothing secret is here.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { WalletEvent } from '../main/preload/walletApi.js';
import { ErrorBanner } from './components/Feedback.js';
import type { ErrorInfo } from './format/errorWording.js';
import { AccountsScreen } from './screens/AccountsScreen.js';
import { AuditScreen } from './screens/AuditScreen.js';
import { EncryptScreen } from './screens/EncryptScreen.js';
import { EthereumScreen } from './screens/EthereumScreen.js';
import { KeysScreen } from './screens/KeysScreen.js';
import { Onboarding } from './screens/Onboarding.js';
import { SecurityScreen } from './screens/SecurityScreen.js';
import { SettingsScreen } from './screens/SettingsScreen.js';
import { SignScreen } from './screens/SignScreen.js';
import { TokensScreen } from './screens/TokensScreen.js';
import { UnlockScreen } from './screens/UnlockScreen.js';
import { applyTheme, savedTheme } from './theme.js';
import { toErrorInfo, unwrap, walletApi } from './walletClient.js';

type State = 'loading' | 'uninitialized' | 'locked' | 'unlocked' | 'unavailable';

export const SCREENS = [
  { id: 'accounts', title: 'Accounts', group: 'Wallet' },
  { id: 'ethereum', title: 'Ethereum', group: 'Wallet' },
  { id: 'sign', title: 'Sign and verify', group: 'Wallet' },
  { id: 'encrypt', title: 'Encrypt', group: 'Wallet' },
  { id: 'keys', title: 'Keys', group: 'Advanced' },
  { id: 'tokens', title: 'Tokens', group: 'Advanced' },
  { id: 'security', title: 'Security', group: 'Advanced' },
  { id: 'audit', title: 'Audit log', group: 'Advanced' },
  { id: 'settings', title: 'Settings', group: 'Advanced' },
] as const;
export type ScreenId = (typeof SCREENS)[number]['id'];

const LOCK_NOTES: Record<string, string> = {
  'kms-exited': 'The wallet locked because the key service stopped. Unlock to continue.',
  idle: 'The wallet locked after a period of inactivity.',
  suspend: 'The wallet locked when the computer went to sleep.',
  'screen-locked': 'The wallet locked when the screen locked.',
};

export function App() {
  const wallet = walletApi();
  const [state, setState] = useState<State>('loading');
  const [onboarding, setOnboarding] = useState(false);
  const [screen, setScreen] = useState<ScreenId>('accounts');
  const [note, setNote] = useState('');
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);

  // An event (locked, unlocked) is newer than a status answer that was in flight when it came: that answer is dropped.
  const events = useRef(0);
  const refresh = useCallback(async () => {
    const seen = events.current;
    try {
      const s = await unwrap(wallet.kms.status({ probe: false }));
      if (events.current !== seen) return;
      setState(s.state);
      if (s.state === 'uninitialized') setOnboarding(true);
    } catch (e) {
      setError(toErrorInfo(e));
      setState('unavailable');
    }
  }, [wallet]);

  useEffect(() => {
    applyTheme(savedTheme());
    void refresh();
    wallet.session.onEvent((e: WalletEvent) => {
      events.current++;
      if (e.type === 'locked') {
        setState('locked');
        setNote(LOCK_NOTES[e.reason] ?? '');
      } else if (e.type === 'unlocked') {
        setState('unlocked');
        setNote('');
      } else setNote(e.message);
    });
  }, [wallet, refresh]);

  const lock = async () => {
    try {
      await unwrap(wallet.kms.lock({}));
      setNote('');
      await refresh();
    } catch (e) {
      setError(toErrorInfo(e));
    }
  };

  const pill = state === 'unlocked' ? 'Unlocked' : state === 'locked' ? 'Locked' : state === 'uninitialized' ? 'No wallet' : state === 'loading' ? 'Starting…' : 'Unavailable';
  const showNav = state === 'unlocked' && !onboarding;
  return (
    <div className="app">
      <header className="bar">
        <h1>OpenWallet</h1>
        <span className={`pill ${state}`} data-testid="wallet-state" role="status">{pill}</span>
        {state === 'unlocked' && <button className="secondary" onClick={() => void lock()}>Lock now</button>}
      </header>
      <div className={showNav ? 'shell' : ''}>
        {showNav && (
          <nav className="side" aria-label="Screens">
            {SCREENS.map((s, i) => (
              <span key={s.id} style={{ display: 'contents' }}>
                {(i === 0 || SCREENS[i - 1]!.group !== s.group) && <span className="group" aria-hidden="true">{s.group}</span>}
                <button aria-current={screen === s.id ? 'page' : undefined} onClick={() => setScreen(s.id)}>{s.title}</button>
              </span>
            ))}
          </nav>
        )}
        <main>
          {note && state !== 'unlocked' && <p className="note" role="status">{note}</p>}
          {error && <ErrorBanner error={error} onDismiss={() => setError(undefined)} />}
          {(state === 'uninitialized' || onboarding) && state !== 'locked' && state !== 'loading' && state !== 'unavailable' && (
            <Onboarding
              state={state}
              onState={() => void refresh()}
              onDone={() => {
                setOnboarding(false);
                setScreen('accounts');
                void refresh();
              }}
            />
          )}
          {state === 'locked' && <UnlockScreen onUnlocked={() => void refresh()} />}
          {showNav && <Screen id={screen} onNavigate={setScreen} />}
        </main>
      </div>
    </div>
  );
}

function Screen({ id, onNavigate }: { id: ScreenId; onNavigate: (id: ScreenId) => void }) {
  switch (id) {
    case 'accounts':
      return <AccountsScreen />;
    case 'ethereum':
      return <EthereumScreen onNavigate={onNavigate} />;
    case 'sign':
      return <SignScreen />;
    case 'encrypt':
      return <EncryptScreen />;
    case 'keys':
      return <KeysScreen />;
    case 'tokens':
      return <TokensScreen />;
    case 'security':
      return <SecurityScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'settings':
      return <SettingsScreen />;
  }
}
