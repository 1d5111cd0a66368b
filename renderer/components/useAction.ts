// Runs one user action at a time on a screen: busy while it runs (buttons disable, progress shows), the error kept
// with the time it happened (for a countdown), cleared on the next action.
import { useCallback, useState } from 'react';
import type { ErrorInfo } from '../format/errorWording.js';
import { toErrorInfo } from '../walletClient.js';

export function useAction() {
  const [busy, setBusy] = useState<string>('');
  const [error, setError] = useState<(ErrorInfo & { at: number }) | undefined>(undefined);
  const run = useCallback(async <T,>(progress: string, fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(progress || 'Working…');
    setError(undefined);
    try {
      return await fn();
    } catch (e) {
      setError({ ...toErrorInfo(e), at: Date.now() });
      return undefined;
    } finally {
      setBusy('');
    }
  }, []);
  return { busy, error, run, clearError: () => setError(undefined) };
}
