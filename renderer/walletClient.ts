// The renderer's side of window.wallet: unwraps each reply envelope into the result or a WalletError with the
// protocol's stable error kind.
import type { Reply, WalletApi } from '../main/preload/walletApi.js';

export class WalletError extends Error {
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

export async function unwrap<T>(p: Promise<Reply<T>>): Promise<T> {
  const r = await p;
  if (r.ok) return r.result;
  throw new WalletError(r.error.kind, r.error.message);
}

export function walletApi(): WalletApi {
  return (window as unknown as { wallet: WalletApi }).wallet;
}

/** Text to base64url without padding (the protocol's byte encoding). */
export function textToB64u(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** What a person reads for the kinds they meet in normal use; the kind stays visible for support and tests. */
const FRIENDLY: Record<string, string> = {
  APPROVAL_DENIED: 'You declined this request in the approval window.',
  LOCKED: 'The wallet is locked. Unlock it first.',
  BUSY: 'Too many requests at once. Try again in a moment.',
  UNAVAILABLE: 'The key service is not available right now.',
};

export function errorText(e: unknown): string {
  if (e instanceof WalletError) {
    const text = FRIENDLY[e.kind] ?? e.message.charAt(0).toUpperCase() + e.message.slice(1);
    return `${text} (${e.kind})`;
  }
  return 'Something went wrong.';
}
