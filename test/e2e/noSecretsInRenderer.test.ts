// Nothing secret reaches the renderer: a full flow with a canary passphrase, a canary token PIN (a real SoftHSM2
// token) and the mnemonic the KMS made; every message the wallet page received, recorded at the binding (replies
// and events), is searched for each in raw, hex, base64 and base64url forms.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSoftHsm, type SoftHsm } from '../services/softhsm.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { confirmMnemonic, fillCreate, fillPin, fillUnlock, nextPrompt, promptError, readMnemonic, waitClosed } from './pages/promptPages.js';
import { WalletPage } from './pages/walletPage.js';

const run = promisify(execFile);
const CANARY_PASSPHRASE = 'Canary-Passphrase-5f3a9c';
const CANARY_PIN = 'CanaryPin-81d2e7';
const TOKEN_LABEL = 'canary-token';

/** The forms a secret could take in a message: as is, hex, base64 and base64url of its UTF-8 bytes. */
export function forms(secret: string): string[] {
  const b = Buffer.from(secret, 'utf8');
  return [...new Set([secret, b.toString('hex'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url'), JSON.stringify(secret).slice(1, -1)])];
}

function leaks(haystack: string[], secret: string): string[] {
  const found: string[] = [];
  for (const form of forms(secret)) if (haystack.some((h) => h.includes(form))) found.push(form);
  return found;
}

describe('nothing secret reaches the renderer', () => {
  let h: Harness;
  let hsm: SoftHsm;

  beforeAll(async () => {
    hsm = await startSoftHsm([]);
    await run('softhsm2-util', ['--init-token', '--free', '--label', TOKEN_LABEL, '--so-pin', '87654321', '--pin', CANARY_PIN], { env: { ...process.env, ...hsm.env } });
    process.env.OWKMS_PKCS11_MODULES = hsm.modulePath;
    h = await startHarness();
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    delete process.env.OWKMS_PKCS11_MODULES;
    await hsm?.cleanup();
  });

  it('the search finds a canary where one is (it can fail)', () => {
    const planted = [`{"x":"${Buffer.from(CANARY_PIN).toString('base64url')}"}`];
    expect(leaks(planted, CANARY_PIN)).toEqual([Buffer.from(CANARY_PIN).toString('base64url')]);
  });

  it('a full flow: create, unlock, token PIN, recovery phrase, sign; no canary in any message the page got', async () => {
    const w = new WalletPage(await h.shell.openWallet());
    await w.expectState('No wallet');
    await w.button('Create wallet').click();
    let prompt = await nextPrompt(h.shell, 'create');
    await fillCreate(prompt, CANARY_PASSPHRASE, `${CANARY_PASSPHRASE}x`);
    await promptError(prompt);
    await fillCreate(prompt, CANARY_PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');

    await w.button('Lock').click();
    await w.expectState('Locked');
    await w.button('Unlock').click();
    prompt = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(prompt, `${CANARY_PASSPHRASE}-wrong`);
    await promptError(prompt);
    await fillUnlock(prompt, CANARY_PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');

    // Token login through the PIN prompt: a wrong PIN first (the prompt says so), then the canary PIN.
    const login = pageCall(w.page, 'tokens', 'login', { token: TOKEN_LABEL });
    prompt = await nextPrompt(h.shell, 'pin');
    await h.shot(prompt, '20-pin-prompt');
    await fillPin(prompt, `${CANARY_PIN}-wrong`);
    expect(await promptError(prompt)).toMatch(/PIN/);
    await h.shot(prompt, '21-pin-prompt-wrong');
    await fillPin(prompt, CANARY_PIN);
    await waitClosed(prompt);
    const loggedIn = await login;
    expect(loggedIn.ok, JSON.stringify(loggedIn)).toBe(true);
    const listed = await pageCall(w.page, 'tokens', 'list', {});
    expect(listed.ok, JSON.stringify(listed)).toBe(true);
    const tokens = listed.result as { tokens: Array<{ label: string; pin: { loggedIn: boolean } }> };
    expect(tokens.tokens.find((t) => t.label === TOKEN_LABEL)?.pin.loggedIn).toBe(true);

    await w.button('New recovery phrase').click();
    prompt = await nextPrompt(h.shell, 'mnemonic');
    const words = await readMnemonic(prompt);
    await prompt.getByRole('button', { name: 'I wrote them down' }).click();
    await prompt.getByRole('button', { name: 'Confirm' }).waitFor();
    await confirmMnemonic(prompt, words);
    await waitClosed(prompt);
    const mnemonic = words.join(' ');
    expect(words).toHaveLength(24);

    await w.generate('Daily', 'ed25519');
    await w.selectKey('Daily');
    await w.typeMessage('canary run');
    await w.button('Sign').click();
    await expect.poll(() => w.signature().inputValue()).not.toBe('');
    // The renderer asking for the secrets outright gets refusals.
    const keys = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ id: string; algorithm: string }> }).keys;
    const seed = keys.find((k) => k.algorithm === 'hd-seed')!;
    for (const format of ['mnemonic', 'jwk', 'pkcs8']) {
      const r = await pageCall(w.page, 'keys', 'export', { id: seed.id, format, private: true });
      expect(r.ok).toBe(false);
    }
    await pageCall(w.page, 'audit', 'list', {});
    await pageCall(w.page, 'kms', 'status', {});

    const received = h.shell.received.map((r) => r.json);
    expect(received.length).toBeGreaterThan(20);
    expect(received.some((r) => r.includes('"type":"unlocked"'))).toBe(true); // events are recorded too
    expect(leaks(received, CANARY_PASSPHRASE)).toEqual([]);
    expect(leaks(received, CANARY_PIN)).toEqual([]);
    expect(leaks(received, mnemonic)).toEqual([]);
    expect(leaks(received, words.slice(0, 4).join(' '))).toEqual([]);
    expect(leaks(received, JSON.stringify(words.slice(0, 3)).slice(0, -1))).toEqual([]);
    // And the page's DOM holds none of them either.
    const html = await w.page.content();
    for (const s of [CANARY_PASSPHRASE, CANARY_PIN, mnemonic]) expect(html.includes(s)).toBe(false);
  });
});
