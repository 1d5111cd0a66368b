// Feedback every screen uses: an error banner in words with what to do next (and a live countdown for a backoff),
// a progress line for slow work, and a success line. Banners are role="alert"; progress is role="status".
import { useEffect, useState } from 'react';
import { describeError, type ErrorInfo } from '../format/errorWording.js';
import { formatWait } from '../format/formatting.js';

/** Milliseconds left until `until` (a Date.now() value), updated every second; 0 when past. */
export function useCountdown(until: number | undefined): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until || until <= Date.now()) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [until]);
  return until ? Math.max(0, until - now) : 0;
}

export function ErrorBanner({ error, onDismiss }: { error: ErrorInfo & { at?: number }; onDismiss?: () => void }) {
  const until = error.retryAfterMs ? (error.at ?? Date.now()) + error.retryAfterMs : undefined;
  const left = useCountdown(until);
  const d = describeError(error, until ? left : undefined);
  return (
    <div className="alert" role="alert" data-kind={error.kind}>
      <strong>{d.title}</strong>
      <span>{d.next}</span>
      {d.detail && <span className="muted"> Details: {d.detail}</span>} <span className="hint">({error.kind})</span>
      {onDismiss && (
        <div className="row" style={{ marginTop: 6 }}>
          <button type="button" className="link" onClick={onDismiss}>Dismiss</button>
        </div>
      )}
    </div>
  );
}

export function Progress({ text }: { text: string }) {
  return (
    <div className="progress" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      <span>{text}</span>
    </div>
  );
}

export function Success({ children }: { children: React.ReactNode }) {
  return <div className="success" role="status">{children}</div>;
}

export { formatWait };
