// Trusted prompts as main's core sees them: a window main owns asks the user something and answers with values
// (a passphrase, a PIN, words of a mnemonic) or a cancel. The Electron shell opens BrowserWindows, the e2e harness
// opens pages; the flows and the approval queue do not know which.
import { MAX_KEY_STRING, MAX_SECRET_STRING } from '../../kms-process/api/limits.js';
import type { PromptKind } from './wire.js';

export type PromptReply = { action: 'submit'; values: Record<string, string> } | { action: 'cancel' };
export type PromptView = Record<string, unknown>;

export interface PromptWindow {
  /** Show `view` and wait for the user's answer (a closed window is a cancel). */
  ask(view: PromptView): Promise<PromptReply>;
  close(): void;
}

export interface PromptHost {
  open(kind: PromptKind): Promise<PromptWindow>;
}

/** Values a prompt page sent, checked where they arrive: short strings under known names only. */
export function checkPromptValues(values: unknown, names: readonly string[]): Record<string, string> | undefined {
  if (values === null || typeof values !== 'object' || Array.isArray(values)) return undefined;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(values)) {
    // A pasted key (an RSA-4096 PEM is about 3.3 KB) may be longer than a passphrase or a PIN.
    const max = LONG_VALUES.has(k) ? MAX_KEY_STRING : MAX_SECRET_STRING;
    if (!names.includes(k) || typeof v !== 'string' || v.length > max) return undefined;
    out[k] = v;
  }
  return out;
}

/**
 * One prompt window's state between main and its page: main calls ask(); the page fetches the view, then submits
 * or cancels, and gets the next view (main asked again, e.g. after a wrong passphrase) or `done`.
 */
export class PromptSession implements PromptWindow {
  private view: PromptView | undefined;
  private waiting: ((r: PromptReply) => void) | undefined;
  private viewWaiters: Array<(v: PromptView | { done: true }) => void> = [];
  private closed = false;
  private readonly closeListeners: Array<() => void> = [];

  constructor(private readonly valueNames: readonly string[]) {}

  ask(view: PromptView): Promise<PromptReply> {
    if (this.closed) return Promise.resolve({ action: 'cancel' });
    this.view = view;
    for (const w of this.viewWaiters.splice(0)) w(view);
    return new Promise((resolve) => (this.waiting = resolve));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.view = undefined;
    this.waiting?.({ action: 'cancel' });
    this.waiting = undefined;
    for (const w of this.viewWaiters.splice(0)) w({ done: true });
    for (const l of this.closeListeners) l();
  }

  onClose(listener: () => void): void {
    this.closeListeners.push(listener);
  }

  /** The page: what to show now (waits until main has asked something). */
  currentView(): Promise<PromptView | { done: true }> {
    if (this.closed) return Promise.resolve({ done: true });
    if (this.view && this.waiting) return Promise.resolve(this.view);
    return new Promise((resolve) => this.viewWaiters.push(resolve));
  }

  /** The page: the user's answer; resolves with what to show next. */
  submit(values: unknown): Promise<PromptView | { done: true }> {
    const checked = checkPromptValues(values ?? {}, this.valueNames);
    if (!checked) return Promise.resolve(this.view ?? { done: true as const });
    return this.reply({ action: 'submit', values: checked });
  }

  cancel(): Promise<PromptView | { done: true }> {
    return this.reply({ action: 'cancel' });
  }

  private reply(r: PromptReply): Promise<PromptView | { done: true }> {
    const w = this.waiting;
    if (!w) return this.currentView();
    this.waiting = undefined;
    this.view = undefined;
    const next = new Promise<PromptView | { done: true }>((resolve) => this.viewWaiters.push(resolve));
    w(r);
    return next;
  }
}

/**
 * Ask in one window until `attempt` gives a value or the user cancels (undefined); an answer `attempt` turns down
 * with `{ retry }` is asked again with those words shown. The window closes either way.
 */
export async function askUntil<T>(
  window: PromptWindow,
  view: PromptView,
  attempt: (reply: Extract<PromptReply, { action: 'submit' }>) => Promise<T | { retry: string }>,
): Promise<T | undefined> {
  let error: string | undefined;
  try {
    for (;;) {
      const reply = await window.ask(error === undefined ? view : { ...view, error });
      if (reply.action === 'cancel') return undefined;
      const out = await attempt(reply);
      if (out !== null && typeof out === 'object' && 'retry' in out) error = (out as { retry: string }).retry;
      else return out as T;
    }
  } finally {
    window.close();
  }
}

/** The value names each prompt kind may send back. */
export const PROMPT_VALUES: Record<PromptKind, readonly string[]> = {
  unlock: ['passphrase'],
  create: ['passphrase', 'confirm'],
  pin: ['pin', 'confirmFinalTry'],
  approval: [],
  mnemonic: ['word1', 'word2', 'word3'],
  restore: ['mnemonic', 'bip39Passphrase'],
  import: ['format', 'algorithm', 'data'],
  backup: ['backupPassphrase', 'confirm'],
};

/** Values that may be as long as a key encoding. */
const LONG_VALUES: ReadonlySet<string> = new Set(['data']);
