// The renderer's side of window.wallet: unwraps each reply envelope into the result or a WalletError with the
// protocol's stable error kind (and the wait or the tries left when the error carries them).
import type { Reply, WalletApi } from '../main/preload/walletApi.js';
import { describeError, type ErrorInfo } from './format/errorWording.js';

export { textToB64u } from './format/formatting.js';

export class WalletError extends Error implements ErrorInfo {
  constructor(
    readonly kind: string,
    message: string,
    readonly retryAfterMs?: number,
    readonly attemptsLeft?: number,
  ) {
    super(message);
  }
}

export async function unwrap<T>(p: Promise<Reply<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.result;
  throw new WalletError(r.error.kind, r.error.message, r.error.retryAfterMs, r.error.attemptsLeft);
}

export function walletApi(): WalletApi {
  return (window as unknown as { wallet: WalletApi }).wallet;
}

/** Any thrown value as the error info the banner shows (a plain object: an Error's message is not enumerable). */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof WalletError) return { kind: e.kind, message: e.message, retryAfterMs: e.retryAfterMs, attemptsLeft: e.attemptsLeft };
  return { kind: 'INTERNAL', message: e instanceof Error ? e.message : 'unexpected error' };
}

/** One line of text (title and what to do), for places without room for a banner. */
export function errorText(e: unknown): string {
  const info = toErrorInfo(e);
  const d = describeError(info);
  return `${d.title} ${d.next} (${info.kind})`;
}
