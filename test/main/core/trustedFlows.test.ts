// The trusted flows against a real KMS with scripted prompts: what the user types is checked in main, retried in
// the same window, and only outcomes come back; a recovery phrase is shown once, confirmed, then not exportable.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startCore, TOP, type CoreFixture } from './brokerFixture.js';
import { cancel, submit } from './scriptedPrompts.js';

const PASS = 'flows test passphrase';

describe('trusted flows', () => {
  let f: CoreFixture;
  const call = (method: string, params?: unknown) => f.core.broker.handle(TOP, { method, params });

  beforeEach(async () => {
    f = await startCore();
  });
  afterEach(async () => {
    await f.close();
  });

  it('create wallet: short and mismatched passphrases are refused in the prompt; the renderer learns the state', async () => {
    const turns = [submit({ passphrase: 'short', confirm: 'short' }), submit({ passphrase: PASS, confirm: `${PASS}!` }), submit({ passphrase: PASS, confirm: PASS })];
    f.prompts.script('create', (_v, turn) => turns[turn]!);
    expect(await call('flow.createWallet')).toEqual({ ok: true, result: { state: 'unlocked' } });
    expect(f.prompts.shown.map((s) => s.view.error)).toEqual([undefined, 'Use at least 8 characters.', 'The two passphrases differ.']);
    expect(f.prompts.closed).toBe(1);
    expect(f.events).toContainEqual({ type: 'unlocked' });
    const again = await call('flow.createWallet');
    expect(again.ok ? 'ok' : again.error.kind).toBe('ALREADY_INITIALIZED');
  });

  it('unlock: a wrong passphrase is shown in the prompt, the right one unlocks; cancel leaves it locked', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await call('flow.createWallet');
    await call('kms.lock', {});
    expect(f.events.at(-1)).toEqual({ type: 'locked', reason: 'user' });
    f.prompts.script('unlock', () => cancel);
    expect(await call('flow.unlock')).toEqual({ ok: true, result: { state: 'locked' } });
    const turns = [submit({ passphrase: 'wrong passphrase' }), submit({ passphrase: PASS })];
    f.prompts.script('unlock', (_v, turn) => turns[turn]!);
    expect(await call('flow.unlock')).toEqual({ ok: true, result: { state: 'unlocked' } });
    expect(String(f.prompts.shown.at(-1)!.view.error)).toMatch(/^Wrong passphrase/);
    const withParams = await call('flow.unlock', { passphrase: PASS });
    expect(withParams.ok ? 'ok' : withParams.error.kind).toBe('INVALID_REQUEST');
  });

  it('recovery phrase: shown once, three words asked back, then the seed is not exportable; cancelled: deleted', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await call('flow.createWallet');
    let words: string[] = [];
    f.prompts.script('mnemonic', (view, turn) => {
      if (turn === 0) {
        words = view.words as string[];
        return submit();
      }
      const positions = view.positions as number[];
      if (turn === 1) return submit({ word1: 'wrong', word2: 'wrong', word3: 'wrong' });
      return submit({ word1: words[positions[0]! - 1]!, word2: words[positions[1]! - 1]!, word3: words[positions[2]! - 1]! });
    });
    const r = await call('flow.createSeed', { label: 'seed', words: 12 });
    expect(r.ok).toBe(true);
    expect(words).toHaveLength(12);
    expect(JSON.stringify(r)).not.toContain(words.join(' '));
    expect(f.prompts.shown.filter((s) => s.kind === 'mnemonic').map((s) => s.view.error)).toEqual([undefined, undefined, 'Those words do not match. Check your copy of the words.']);
    const key = (r as { result: { key: { id: string; exportable: boolean } } }).result.key;
    expect(key.exportable).toBe(false);
    // Not even main can show it again.
    await expect(f.core.supervisor.call('keys.export', { id: key.id, format: 'mnemonic', private: true }, 'app')).rejects.toMatchObject({ kind: 'POLICY_DENIED' });

    f.prompts.script('mnemonic', () => cancel);
    expect(await call('flow.createSeed', { label: 'gone' })).toEqual({ ok: true, result: { created: false } });
    const list = (await call('keys.list', {})) as { ok: true; result: { keys: Array<{ label: string }> } };
    expect(list.result.keys.map((k) => k.label)).toEqual(['seed']);
    const bad = await call('flow.createSeed', { words: 13 });
    expect(bad.ok ? 'ok' : bad.error.kind).toBe('INVALID_REQUEST');
  });

  it('auto-lock locks the KMS and tells the renderer', async () => {
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    await call('flow.createWallet');
    expect(await f.core.autoLock.suspend()).toBe(true);
    expect(f.events.at(-1)).toEqual({ type: 'locked', reason: 'suspend' });
    const s = (await call('kms.status', { probe: false })) as { ok: true; result: { state: string } };
    expect(s.result.state).toBe('locked');
  });
});
