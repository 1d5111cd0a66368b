// Flows main runs itself, as caller `app`, around a trusted prompt: create the wallet, unlock it, log in to a
// token, create an HD seed and show its mnemonic once. Secrets typed or shown in the prompt go between main and
// the KMS only; what the renderer gets back is the outcome (a state, a KeyInfo), never a secret.
import { randomInt } from 'node:crypto';
import { KmsError, isKmsError } from '../../kms-process/api/errors.js';
import type { KmsCaller } from './broker.js';
import type { PromptHost, PromptReply, PromptWindow } from './prompts.js';

/** Passphrases shorter than this are refused in the prompt (the KMS's Argon2id makes each guess cost, not this). */
export const MIN_PASSPHRASE = 8;

/** Why a new wallet passphrase typed in the create prompt (twice) is refused, or undefined when it is fine. */
export function newPassphraseRefusal(values: Record<string, string>): string | undefined {
  const passphrase = values.passphrase ?? '';
  if (passphrase.length < MIN_PASSPHRASE) return `Use at least ${MIN_PASSPHRASE} characters.`;
  if (passphrase !== values.confirm) return 'The two passphrases differ.';
  return undefined;
}

export interface FlowEvents {
  unlocked(): void;
}

export function secretErrorText(e: KmsError, what: string): string {
  if (e.kind === 'WRONG_SECRET') {
    const left = e.data.attemptsLeft;
    return left !== undefined ? `Wrong ${what}. ${left} attempts left.` : `Wrong ${what}.`;
  }
  if (e.kind === 'LOCKED_OUT' || e.kind === 'PIN_LOCKED') {
    const s = Math.ceil((e.data.retryAfterMs ?? 0) / 1000);
    return s > 0 ? `Too many wrong attempts. Try again in ${s} s.` : 'Too many wrong attempts.';
  }
  return e.message;
}

/** What an attempt answers when the user can try again: the words to show, and view members to update. */
type Retry = { retry: string } & Record<string, unknown>;

export const RETRYABLE = new Set(['WRONG_SECRET', 'LOCKED_OUT', 'PIN_LOCKED', 'TOKEN_ERROR', 'INVALID_REQUEST']);

export class TrustedFlows {
  constructor(
    private readonly kms: KmsCaller,
    readonly prompts: PromptHost,
    private readonly events: FlowEvents,
  ) {}

  private async state(): Promise<string> {
    const s = (await this.kms.call('kms.status', { probe: false }, 'app')) as { state: string };
    return s.state;
  }

  /** Ask in one window until `attempt` succeeds or the user cancels; errors the user can fix are shown there. */
  private async withPrompt<T>(
    window: PromptWindow,
    view: Record<string, unknown>,
    attempt: (reply: Extract<PromptReply, { action: 'submit' }>) => Promise<T | Retry>,
  ): Promise<T | undefined> {
    let next: Record<string, unknown> = view;
    try {
      for (;;) {
        const reply = await window.ask(next);
        if (reply.action === 'cancel') return undefined;
        const out = await attempt(reply);
        if (out !== null && typeof out === 'object' && 'retry' in out) {
          const { retry, ...more } = out as Retry;
          next = { ...view, ...more, error: retry };
        } else return out as T;
      }
    } finally {
      window.close();
    }
  }

  /**
   * A new keystore with the sealers the user chose (onboarding): the passphrase is typed twice in the create
   * prompt, a token's PIN in the PIN prompt; the TPM and the OS keychain need nothing typed.
   */
  async createWallet(params: Record<string, unknown> = {}): Promise<{ state: string }> {
    const choice = parseWalletChoice(params);
    if ((await this.state()) !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'this wallet already exists');
    const init = (enrol: { passphrase?: string; pin?: string }) => {
      const sealers = choice.sealers.map((kind) =>
        kind === 'passphrase' ? { kind, passphrase: enrol.passphrase } : kind === 'pkcs11' ? { kind, token: choice.token, ...(enrol.pin ? { pin: enrol.pin } : {}) } : { kind },
      );
      return this.kms.call('kms.init', { sealers, unlockPolicy: choice.unlockPolicy }, 'app');
    };
    const needsPin = choice.sealers.includes('pkcs11');
    let done: { state: string } | undefined;
    if (choice.sealers.includes('passphrase')) {
      done = await this.withPrompt<{ state: string; passphrase?: string }>(await this.prompts.open('create'), { minLength: MIN_PASSPHRASE, sealers: choice.sealers }, async ({ values }) => {
        const refused = newPassphraseRefusal(values);
        if (refused) return { retry: refused };
        const passphrase = values.passphrase!;
        if (needsPin) return { state: 'pending', passphrase };
        await init({ passphrase });
        return { state: 'unlocked' };
      });
      if (done && needsPin) done = await this.enrolWithPin(choice.token!, (pin) => init({ passphrase: (done as { passphrase?: string }).passphrase!, pin }));
    } else if (needsPin) {
      done = await this.enrolWithPin(choice.token!, (pin) => init({ pin }));
    } else {
      await init({});
      done = { state: 'unlocked' };
    }
    if (!done) return { state: 'uninitialized' };
    this.events.unlocked();
    return { state: 'unlocked' };
  }

  private async enrolWithPin(token: string, init: (pin: string) => Promise<unknown>): Promise<{ state: string } | undefined> {
    return this.withPrompt<{ state: string }>(await this.prompts.open('pin'), { purpose: 'enrol', token }, async ({ values }) => {
      try {
        await init(values.pin ?? '');
        return { state: 'unlocked' };
      } catch (e) {
        if (isKmsError(e) && RETRYABLE.has(e.kind)) return { retry: secretErrorText(e, 'PIN') };
        throw e;
      }
    });
  }

  async unlock(): Promise<{ state: string }> {
    const status = (await this.kms.call('kms.status', { probe: false }, 'app')) as { state: string; unlockNeeds?: string[]; retryAfterMs?: number };
    if (status.state === 'unlocked') return { state: 'unlocked' };
    if (status.state === 'uninitialized') throw new KmsError('NOT_INITIALIZED', 'create the wallet first');
    const needs = status.unlockNeeds ?? ['passphrase'];
    if (needs.includes('passphrase') && needs.includes('pin')) return this.unlockWithBoth(status.retryAfterMs);
    const kind = needs.includes('passphrase') ? 'unlock' : needs.includes('pin') ? 'pin' : undefined;
    if (!kind) {
      await this.kms.call('kms.unlock', {}, 'app'); // a sealer that needs nothing (TPM, keychain)
      this.events.unlocked();
      return { state: 'unlocked' };
    }
    const field = kind === 'unlock' ? 'passphrase' : 'pin';
    // The prompt counts down a backoff itself: it gets the wait in every view (the first one, and after a failure).
    const view: Record<string, unknown> = kind === 'pin' ? { purpose: 'unlock' } : {};
    if (status.retryAfterMs) view.retryAfterMs = status.retryAfterMs;
    const done = await this.withPrompt<{ state: string }>(await this.prompts.open(kind), view, async ({ values }) => {
      const secret = values[field] ?? '';
      if (secret.length === 0) return { retry: `Enter the ${field === 'pin' ? 'PIN' : 'passphrase'}.` };
      try {
        await this.kms.call('kms.unlock', { [field]: secret }, 'app');
        return { state: 'unlocked' };
      } catch (e) {
        if (isKmsError(e) && RETRYABLE.has(e.kind)) return { retry: secretErrorText(e, field === 'pin' ? 'PIN' : 'passphrase'), retryAfterMs: e.data.retryAfterMs ?? 0 };
        throw e;
      }
    });
    if (!done) return { state: 'locked' };
    this.events.unlocked();
    return done;
  }

  /**
   * Unlock policy `all` with a passphrase and a token: the passphrase prompt first (the passphrase is held only for
   * this call), then the PIN prompt, which unlocks with both. The KMS does not say which of the two was wrong.
   */
  private async unlockWithBoth(retryAfterMs?: number): Promise<{ state: string }> {
    const wait: Record<string, unknown> = retryAfterMs ? { retryAfterMs } : {};
    const passphrase = await this.withPrompt<string>(await this.prompts.open('unlock'), wait, async ({ values }) =>
      (values.passphrase ?? '').length > 0 ? values.passphrase! : { retry: 'Enter the passphrase.' },
    );
    if (passphrase === undefined) return { state: 'locked' };
    const done = await this.withPrompt<{ state: string }>(await this.prompts.open('pin'), { purpose: 'unlock', ...wait }, async ({ values }) => {
      const pin = values.pin ?? '';
      if (pin.length === 0) return { retry: 'Enter the PIN.' };
      try {
        await this.kms.call('kms.unlock', { passphrase, pin }, 'app');
        return { state: 'unlocked' };
      } catch (e) {
        if (!isKmsError(e) || !RETRYABLE.has(e.kind)) throw e;
        const again = e.kind === 'WRONG_SECRET' ? ' To type the passphrase again, cancel and unlock again.' : '';
        return { retry: `${secretErrorText(e, 'passphrase or PIN')}${again}`, retryAfterMs: e.data.retryAfterMs ?? 0 };
      }
    });
    if (!done) return { state: 'locked' };
    this.events.unlocked();
    return done;
  }

  async tokenLogin(params: Record<string, unknown>): Promise<{ token: string; loggedIn: boolean }> {
    const token = params.token;
    if (typeof token !== 'string' || token.length === 0 || token.length > 256 || Object.keys(params).length !== 1) {
      throw new KmsError('INVALID_REQUEST', 'flow.tokenLogin takes { token }');
    }
    const done = await this.withPrompt<{ token: string; loggedIn: boolean }>(await this.prompts.open('pin'), { purpose: 'token', token, ...(await this.pinStatus(token)) }, async ({ values }) => {
      try {
        const confirmFinalTry = values.confirmFinalTry === 'yes';
        await this.kms.call('tokens.login', { token, pin: values.pin ?? '', ...(confirmFinalTry ? { confirmFinalTry } : {}) }, 'app');
        return { token, loggedIn: true };
      } catch (e) {
        if (isKmsError(e) && RETRYABLE.has(e.kind)) return { retry: secretErrorText(e, 'PIN'), ...(await this.pinStatus(token)) };
        throw e;
      }
    });
    return done ?? { token, loggedIn: false };
  }

  /** The token's PIN state for the prompt (tries left, final try, the KMS's own count and wait), when it says. */
  private async pinStatus(token: string): Promise<Record<string, unknown>> {
    try {
      const list = (await this.kms.call('tokens.list', {}, 'app')) as { tokens: Array<{ serial: string; label: string; pin: Record<string, unknown> }> };
      const t = list.tokens.find((x) => x.serial === token) ?? list.tokens.find((x) => x.label === token);
      if (!t) return {};
      const { attemptsLeft, finalTry, countLow, locked, kmsFailures, retryAfterMs } = t.pin;
      return { tokenLabel: t.label, pinStatus: { attemptsLeft, finalTry, countLow, locked, kmsFailures, retryAfterMs } };
    } catch {
      return {};
    }
  }

  /**
   * A new HD seed: generated as `app` (exportable only for this one showing), its mnemonic fetched as `app` and
   * shown in the prompt, three words asked back; then the seed is made non-exportable. Cancelled: deleted.
   */
  async createSeed(params: Record<string, unknown>): Promise<{ created: boolean; key?: unknown }> {
    const { label, words } = params;
    const extra = Object.keys(params).filter((k) => k !== 'label' && k !== 'words');
    if (extra.length > 0 || (label !== undefined && typeof label !== 'string') || (words !== undefined && words !== 12 && words !== 24)) {
      throw new KmsError('INVALID_REQUEST', 'flow.createSeed takes { label?, words?: 12 | 24 }');
    }
    const gen: Record<string, unknown> = { algorithm: 'hd-seed', exportable: true, words: words ?? 24 };
    if (label !== undefined) gen.label = label;
    const key = (await this.kms.call('keys.generate', gen, 'app')) as { id: string };
    let confirmed = false;
    try {
      const exported = (await this.kms.call('keys.export', { id: key.id, format: 'mnemonic', private: true }, 'app')) as { mnemonic?: string };
      const list = (exported.mnemonic ?? '').split(' ');
      const window = await this.prompts.open('mnemonic');
      try {
        const shown = await window.ask({ step: 'show', words: list });
        if (shown.action === 'cancel') return { created: false };
        const positions = pickPositions(list.length, 3);
        let error: string | undefined;
        for (;;) {
          const view: Record<string, unknown> = { step: 'confirm', positions: positions.map((p) => p + 1) };
          if (error) view.error = error;
          const r = await window.ask(view);
          if (r.action === 'cancel') return { created: false };
          const ok = positions.every((p, i) => (r.values[`word${i + 1}`] ?? '').trim().toLowerCase() === list[p]);
          if (ok) break;
          error = 'Those words do not match. Check your copy of the words.';
        }
      } finally {
        window.close();
      }
      const updated = await this.kms.call('keys.update', { id: key.id, policy: { exportable: false } }, 'app');
      confirmed = true;
      return { created: true, key: updated };
    } finally {
      if (!confirmed) await this.kms.call('keys.delete', { id: key.id }, 'app').catch(() => undefined);
    }
  }
}

const SEALER_KINDS = ['passphrase', 'tpm', 'keychain', 'pkcs11'] as const;
type SealerChoice = (typeof SEALER_KINDS)[number];

/** flow.createWallet's params: { sealers?, unlockPolicy?, token? }; the default is a passphrase alone. */
export function parseWalletChoice(params: Record<string, unknown>): { sealers: SealerChoice[]; unlockPolicy: 'any' | 'all'; token?: string } {
  const { sealers = ['passphrase'], unlockPolicy = 'any', token } = params;
  const extra = Object.keys(params).filter((k) => k !== 'sealers' && k !== 'unlockPolicy' && k !== 'token');
  const ok =
    extra.length === 0 &&
    Array.isArray(sealers) &&
    sealers.length >= 1 &&
    sealers.length <= SEALER_KINDS.length &&
    new Set(sealers).size === sealers.length &&
    sealers.every((k) => (SEALER_KINDS as readonly unknown[]).includes(k)) &&
    (unlockPolicy === 'any' || unlockPolicy === 'all') &&
    (token === undefined || (typeof token === 'string' && token.length > 0 && token.length <= 256)) &&
    sealers.includes('pkcs11') === (token !== undefined);
  if (!ok) throw new KmsError('INVALID_REQUEST', 'flow.createWallet takes { sealers: passphrase|tpm|keychain|pkcs11 (each once), unlockPolicy?: any|all, token (with pkcs11) }');
  return { sealers: sealers as SealerChoice[], unlockPolicy: unlockPolicy as 'any' | 'all', ...(token !== undefined ? { token: token as string } : {}) };
}

/** `count` distinct positions in [0, n), ascending (the words asked back). */
export function pickPositions(n: number, count: number): number[] {
  const chosen = new Set<number>();
  while (chosen.size < Math.min(count, n)) chosen.add(randomInt(n));
  return [...chosen].sort((a, b) => a - b);
}
