// Unlock: the passphrase (or PIN) is typed in the trusted prompt; after wrong attempts the key service makes the
// user wait, and this screen counts the wait down (from kms.status) with the button disabled until it ends.
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner, Progress, useCountdown } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatWait } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';

/** What unlocking asks for, from kms.status's unlockNeeds (unknown until the key service answers). */
export function unlockHow(needs: readonly string[] | undefined): string {
  if (needs === undefined) return 'Unlock it in the trusted window that opens.';
  if (needs.length === 0) return 'Unlock it with this computer’s TPM or OS keychain: nothing to type.';
  if (needs.includes('passphrase') && needs.includes('pin')) return 'Unlock it with your passphrase and your token’s PIN in the trusted windows that open.';
  if (needs.includes('pin')) return 'Plug in your security token, then enter its PIN in the trusted window that opens.';
  return 'Unlock it with your passphrase in the trusted window that opens.';
}

export function UnlockScreen({ onUnlocked }: { onUnlocked: () => void }) {
  const wallet = walletApi();
  const [failed, setFailed] = useState(0);
  const [until, setUntil] = useState<number | undefined>(undefined);
  // undefined until kms.status answers (after the key service restarts, the first ask may fail).
  const [needs, setNeeds] = useState<string[] | undefined>(undefined);
  const left = useCountdown(until);
  const { busy, error, run } = useAction();

  const load = useCallback(async () => {
    const s = await unwrap(wallet.kms.status({ probe: false }));
    setFailed(s.failedAttempts ?? 0);
    setUntil(s.retryAfterMs ? Date.now() + s.retryAfterMs : undefined);
    setNeeds(s.unlockNeeds ?? []);
  }, [wallet]);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const attempt = (left: number) =>
      void load().catch(() => {
        if (!stopped && left > 0) timer = setTimeout(() => attempt(left - 1), 1000);
      });
    attempt(10);
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [load]);

  const unlock = () =>
    run('Waiting for the trusted unlock window…', async () => {
      const r = await unwrap(wallet.session.unlock());
      if (r.state === 'unlocked') onUnlocked();
      else await load();
    }).then(() => load().catch(() => undefined));

  return (
    <section className="card center" aria-labelledby="unlock-title">
      <h2 id="unlock-title">Wallet locked</h2>
      <p className="lead" data-testid="unlock-how">{unlockHow(needs)}</p>
      {failed > 0 && <p data-testid="failed-attempts">{failed} wrong {failed === 1 ? 'attempt' : 'attempts'} since the last unlock.</p>}
      {left > 0 && (
        <p className="note" role="timer" aria-live="off" data-testid="unlock-countdown">
          Too many wrong attempts. You can try again in <strong>{formatWait(left)}</strong>.
        </p>
      )}
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <button onClick={() => void unlock()} disabled={!!busy || left > 0}>Unlock</button>
    </section>
  );
}
