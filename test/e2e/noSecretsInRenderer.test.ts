// Nothing secret reaches the renderer: a full flow with a canary passphrase, a canary token PIN (a real SoftHSM2
// token) and the mnemonic the KMS made; every message the wallet page received, recorded at the binding (replies
// and events), is searched for each in raw, hex, base64 and base64url forms; so are a recovery phrase and BIP39
// passphrase typed in the restore prompt and a private key pasted in the import prompt.
import { execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSoftHsm, type SoftHsm } from '../services/softhsm.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { KeysPage } from './pages/keysPage.js';
import { confirmMnemonic, fillCreate, fillImport, fillPin, fillRestore, fillUnlock, nextPrompt, promptError, readMnemonic, waitClosed } from './pages/promptPages.js';
import { SignPage } from './pages/signPage.js';
import { WalletPage } from './pages/walletPage.js';

const run = promisify(execFile);
const CANARY_PASSPHRASE = 'Canary-Passphrase-5f3a9c';
const CANARY_PIN = 'CanaryPin-81d2e7';
const TOKEN_LABEL = 'canary-token';
/** BIP39's test vector words (valid checksum) and a BIP39 passphrase: restored in the restore prompt. */
const CANARY_MNEMONIC = 'legal winner thank year wave sausage worth useful legal winner thank yellow';
const CANARY_BIP39 = 'Canary-Bip39-77c1';
/** A private key imported through the import prompt. */
const CANARY_KEY = generateKeyPairSync('ed25519').privateKey;

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

  it('a full flow: create, unlock, token PIN, recovery phrase, restore, import, sign; no canary in any message the page got', async () => {
    const w = new WalletPage(await h.shell.openWallet());
    await w.expectState('No wallet');
    await w.button('Create a new wallet').click();
    await w.button('Create wallet').click();
    let prompt = await nextPrompt(h.shell, 'create');
    await fillCreate(prompt, CANARY_PASSPHRASE, `${CANARY_PASSPHRASE}x`);
    await promptError(prompt);
    await fillCreate(prompt, CANARY_PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    await w.button('Skip for now').click();

    await w.lock();
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

    await w.go('Accounts');
    await w.button('Create a recovery phrase').click();
    prompt = await nextPrompt(h.shell, 'mnemonic');
    const words = await readMnemonic(prompt);
    await prompt.getByRole('button', { name: 'I wrote them down' }).click();
    await prompt.getByRole('button', { name: 'Confirm' }).waitFor();
    await confirmMnemonic(prompt, words);
    await waitClosed(prompt);
    const mnemonic = words.join(' ');
    expect(words).toHaveLength(24);

    // A recovery phrase restored with a BIP39 passphrase, and a private key imported, both in trusted prompts.
    await w.button('Restore another phrase').click();
    prompt = await nextPrompt(h.shell, 'restore');
    await fillRestore(prompt, CANARY_MNEMONIC, CANARY_BIP39);
    await waitClosed(prompt);
    await w.go('Keys');
    const k = new KeysPage(w.page);
    await k.importKey();
    prompt = await nextPrompt(h.shell, 'import');
    await fillImport(prompt, 'pkcs8', CANARY_KEY.export({ format: 'pem', type: 'pkcs8' }) as string);
    await waitClosed(prompt);
    await k.generate('Daily', 'ed25519');
    await k.waitForKey('Daily');
    await w.go('Sign and verify');
    const s = new SignPage(w.page);
    const panel = await s.tab('Message');
    await s.chooseKey(panel, 'Daily');
    await panel.getByRole('textbox', { name: 'Message' }).fill('canary run');
    await s.sign(panel);
    await s.signature(panel).waitFor();
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
    expect(leaks(received, CANARY_MNEMONIC)).toEqual([]);
    expect(leaks(received, CANARY_BIP39)).toEqual([]);
    const canaryD = (CANARY_KEY.export({ format: 'jwk' }) as { d: string }).d;
    expect(received.some((r) => r.includes(Buffer.from(canaryD, 'base64url').toString('hex')))).toBe(false);
    expect(received.some((r) => r.includes(canaryD))).toBe(false);
    expect(received.some((r) => r.includes((CANARY_KEY.export({ format: 'der', type: 'pkcs8' }) as Buffer).toString('base64url').slice(0, 40)))).toBe(false);
    expect(leaks(received, words.slice(0, 4).join(' '))).toEqual([]);
    expect(leaks(received, JSON.stringify(words.slice(0, 3)).slice(0, -1))).toEqual([]);
    // And the page's DOM holds none of them either.
    const html = await w.page.content();
    for (const secret of [CANARY_PASSPHRASE, CANARY_PIN, mnemonic, CANARY_MNEMONIC, CANARY_BIP39, canaryD]) expect(html.includes(secret)).toBe(false);
  });
});
