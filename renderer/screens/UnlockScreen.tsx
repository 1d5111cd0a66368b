// Unlock: the passphrase (or PIN) is typed in the trusted prompt; after wrong attempts the key service makes the
// user wait, and this screen counts the wait down (from kms.status) with the button disabled until it ends.
import { useCallback, useEffect, useState } from 'react';
import { ErrorBanner, Progress, useCountdown } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatWait } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';

export function UnlockScreen({ onUnlocked }: { onUnlocked: () => void }) {
  const wallet = walletApi();
  const [failed, setFailed] = useState(0);
  const [until, setUntil] = useState<number | undefined>(undefined);
  const [needs, setNeeds] = useState<string[]>([]);
  const left = useCountdown(until);
  const { busy, error, run } = useAction();

  const load = useCallback(async () => {
    const s = await unwrap(wallet.kms.status({ probe: false }));
    setFailed(s.failedAttempts ?? 0);
    setUntil(s.retryAfterMs ? Date.now() + s.retryAfterMs : undefined);
    setNeeds(s.unlockNeeds ?? []);
  }, [wallet]);
  useEffect(() => {
    void load().catch(() => undefined);
  }, [load]);

  const unlock = () =>
    run('Waiting for the trusted unlock window…', async () => {
      const r = await unwrap(wallet.session.unlock());
      if (r.state === 'unlocked') onUnlocked();
      else await load();
    }).then(() => load().catch(() => undefined));

  const secret = needs.includes('pin') && !needs.includes('passphrase') ? 'your token PIN' : needs.length === 0 ? 'your TPM or keychain' : 'your passphrase';
  return (
    <section className="card center" aria-labelledby="unlock-title">
      <h2 id="unlock-title">Wallet locked</h2>
      <p className="lead">Unlock it with {secret} in the trusted window that opens.</p>
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
