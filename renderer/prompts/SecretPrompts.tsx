// The prompts where the user types a secret: create wallet (passphrase twice), unlock (passphrase, with the
// backoff counted down), token PIN (tries left, the last try confirmed). What is typed goes to main through this
// window's preload; the wallet window never sees it.
import { useEffect, useState, type FormEvent } from 'react';
import type { CreatePromptApi, PinPromptApi, UnlockPromptApi } from './promptApi.js';
import { PromptFrame } from './PromptFrame.js';
import { usePromptView } from './usePromptView.js';

/** Seconds left of a wait main reported with the view (counted from when the view arrived). */
function useWait(ms: unknown, key: unknown): number {
  const [left, setLeft] = useState(0);
  useEffect(() => {
    if (typeof ms !== 'number' || ms <= 0) return setLeft(0);
    const until = Date.now() + ms;
    const tick = () => setLeft(Math.max(0, Math.ceil((until - Date.now()) / 1000)));
    tick();
    const t = setInterval(tick, 1000);
    return () => clearInterval(t);
  }, [ms, key]);
  return left;
}

export function UnlockPrompt({ api }: { api: UnlockPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [passphrase, setPassphrase] = useState('');
  const wait = useWait(view?.retryAfterMs, view);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.unlock(passphrase));
    setPassphrase('');
  };
  return (
    <PromptFrame title="Unlock your wallet" view={view}>
      {wait > 0 && <p className="warning" role="timer" data-testid="prompt-countdown">You can try again in {wait} s.</p>}
      <form onSubmit={submit} className="form">
        <label>Passphrase<input type="password" autoFocus autoComplete="current-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy || wait > 0}>Unlock</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}

const SEALER_NAMES: Record<string, string> = { passphrase: 'this passphrase', tpm: 'the TPM', keychain: 'the OS keychain', pkcs11: 'your token' };

export function CreatePrompt({ api }: { api: CreatePromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.create(passphrase, confirm));
    setPassphrase('');
    setConfirm('');
  };
  const sealers = Array.isArray(view?.sealers) ? (view.sealers as string[]) : ['passphrase'];
  const restoring = view?.purpose === 'restore';
  return (
    <PromptFrame title={restoring ? 'Choose a passphrase for the restored wallet' : 'Choose a passphrase'} view={view}>
      <p>{restoring ? 'It unlocks this wallet from now on (the backup passphrase only opens the backup file). ' : ''}It encrypts your keystore{sealers.length > 1 ? ` (with ${sealers.filter((s) => s !== 'passphrase').map((s) => SEALER_NAMES[s]).join(' and ')})` : ''}. Nobody can recover it for you. Use at least {String(view?.minLength ?? 8)} characters; a few unrelated words are easy to type and hard to guess.</p>
      <form onSubmit={submit} className="form">
        <label>New passphrase<input type="password" autoFocus autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
        <label>Repeat passphrase<input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy}>{restoring ? 'Next' : 'Create wallet'}</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}

interface PinStatus { attemptsLeft?: number; finalTry?: boolean; countLow?: boolean; locked?: boolean; kmsFailures?: number; retryAfterMs?: number }

export function PinPrompt({ api }: { api: PinPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [pin, setPin] = useState('');
  const [lastTry, setLastTry] = useState(false);
  const status = (view?.pinStatus ?? {}) as PinStatus;
  const wait = useWait(status.retryAfterMs, view);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.login(pin, lastTry));
    setPin('');
  };
  const name = typeof view?.tokenLabel === 'string' ? view.tokenLabel : typeof view?.token === 'string' ? view.token : undefined;
  const title = view?.purpose === 'unlock' ? 'Unlock with your token' : view?.purpose === 'enrol' ? `Seal the wallet with token ${name ?? ''}` : `PIN for token ${name ?? ''}`;
  return (
    <PromptFrame title={title} view={view}>
      <p data-testid="pin-tries">
        {status.locked ? 'This PIN is blocked.' : status.attemptsLeft !== undefined ? `${status.attemptsLeft} ${status.attemptsLeft === 1 ? 'try' : 'tries'} left before the token blocks its PIN.` : status.kmsFailures ? `${status.kmsFailures} wrong PIN${status.kmsFailures === 1 ? '' : 's'} so far; OpenWallet makes you wait longer after each.` : 'Type the token’s user PIN.'}
      </p>
      {wait > 0 && <p className="warning" role="timer">You can try again in {wait} s.</p>}
      <form onSubmit={submit} className="form">
        <label>PIN<input type="password" inputMode="numeric" autoFocus autoComplete="off" value={pin} onChange={(e) => setPin(e.target.value)} /></label>
        {status.finalTry && (
          <label className="check"><input type="checkbox" checked={lastTry} onChange={(e) => setLastTry(e.target.checked)} />This is the last try: if it is wrong, the token blocks its PIN. Use it.</label>
        )}
        <div className="row">
          <button type="submit" disabled={busy || wait > 0 || status.locked === true || (status.finalTry === true && !lastTry)}>Log in</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}
