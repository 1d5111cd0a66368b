// The user's flows through the real renderer, preloads, broker and KMS, with a PNG per screen under
// test-results/e2e/: create a wallet, generate, sign and verify (checked again with node:crypto), an approval
// approved and one denied, lock and unlock, a recovery phrase, and the KMS killed mid-call.
import { createHash, createPublicKey, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageCall, startHarness, type Harness } from './harness.js';
import { confirmMnemonic, fillCreate, fillUnlock, nextPrompt, promptError, readMnemonic, waitClosed } from './pages/promptPages.js';
import { WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'tangerine-orbit-41';

describe('wallet flows in Chromium', () => {
  let h: Harness;
  let w: WalletPage;

  beforeAll(async () => {
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('creates a wallet with a passphrase typed in the trusted prompt', async () => {
    await w.expectState('No wallet');
    await h.shot(w.page, '01-welcome');
    await w.button('Create wallet').click();
    const prompt = await nextPrompt(h.shell, 'create');
    await h.shot(prompt, '02-create-prompt');
    await fillCreate(prompt, PASSPHRASE, 'something else');
    expect(await promptError(prompt)).toContain('differ');
    await h.shot(prompt, '03-create-prompt-mismatch');
    await fillCreate(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    await w.page.getByText('No keys yet').waitFor();
    await h.shot(w.page, '04-unlocked-empty');
  });

  it('generates a key, signs and verifies; node:crypto agrees', async () => {
    await w.generate('Daily', 'ed25519');
    await w.selectKey('Daily');
    await w.typeMessage('hello from the e2e test');
    await w.button('Sign').click();
    await expect.poll(() => w.signature().inputValue()).not.toBe('');
    await w.button('Verify').click();
    await w.expectVerdict('Signature valid');
    await h.shot(w.page, '05-signed-verified');
    const sig = await w.signature().inputValue();
    const list = (await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ label: string; publicKey: { jwk: object } }> };
    const key = list.keys.find((k) => k.label === 'Daily')!;
    const pub = createPublicKey({ key: key.publicKey.jwk as never, format: 'jwk' });
    expect(nodeVerify(null, Buffer.from('hello from the e2e test'), pub, Buffer.from(sig, 'base64url'))).toBe(true);
    // A changed message does not verify.
    await w.typeMessage('hello from the e2e test!');
    await w.button('Verify').click();
    await w.expectVerdict('Signature NOT valid');
  });

  it('asks in a trusted prompt before a guarded key signs: approved, then denied', async () => {
    await w.generate('Vault', 'p256', true);
    await w.selectKey('Vault');
    await w.typeMessage('Pay 5 EUR to Bob');
    await w.button('Sign').click();
    const approval = await nextPrompt(h.shell, 'approval');
    expect(await approval.getByTestId('approval-message').textContent()).toBe('Pay 5 EUR to Bob');
    expect(await approval.getByTestId('approval-key').textContent()).toContain('Vault');
    expect(await approval.getByTestId('approval-key').textContent()).toContain('p256');
    await h.shot(approval, '06-approval-prompt');
    await approval.getByRole('button', { name: 'Approve' }).click();
    await waitClosed(approval);
    await expect.poll(() => w.signature().inputValue()).not.toBe('');
    await w.button('Verify').click(); // verify needs no approval
    await w.expectVerdict('Signature valid');

    await w.typeMessage('Pay 5000 EUR to Mallory');
    await w.button('Sign').click();
    const second = await nextPrompt(h.shell, 'approval');
    expect(await second.getByTestId('approval-message').textContent()).toBe('Pay 5000 EUR to Mallory');
    await second.getByRole('button', { name: 'Deny' }).click();
    expect(await w.errorText()).toContain('APPROVAL_DENIED');
    expect(await w.signature().inputValue()).toBe('');
    await h.shot(w.page, '07-approval-denied');
  });

  it('lists keys oldest first, though keys.list pages go in (random) key-id order', async () => {
    for (const label of ['Third', 'Fourth', 'Fifth']) await w.generate(label, 'ed25519');
    const list = (await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ label: string; createdAt: string }> };
    expect(list.keys.length).toBeGreaterThanOrEqual(5); // 1 in 120 that id order happens to be creation order
    const oldestFirst = [...list.keys].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).map((k) => k.label);
    const shown = await w.page.locator('[aria-labelledby="keys-title"] tbody tr td:first-child').allTextContents();
    expect(shown).toEqual(oldestFirst);
    expect(shown.slice(0, 2)).toEqual(['Daily', 'Vault']);
  });

  it('shows binary data to approve by its SHA-256', async () => {
    const keys = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ id: string; label: string }> }).keys;
    const vault = keys.find((k) => k.label === 'Vault')!;
    const data = Buffer.from([0, 1, 2, 0xff, 0xfe]).toString('base64url');
    const pending = pageCall(w.page, 'crypto', 'sign', { id: vault.id, data });
    const approval = await nextPrompt(h.shell, 'approval');
    const hash = await approval.getByTestId('approval-hash').textContent();
    expect(hash).toBe(createHash('sha256').update(Buffer.from([0, 1, 2, 0xff, 0xfe])).digest('hex'));
    await h.shot(approval, '08-approval-hash');
    await approval.getByRole('button', { name: 'Deny' }).click();
    expect((await pending).error?.kind).toBe('APPROVAL_DENIED');
  });

  it('locks, and unlocks after a wrong passphrase', async () => {
    await w.button('Lock').click();
    await w.expectState('Locked');
    await h.shot(w.page, '09-locked');
    await w.button('Unlock').click();
    const prompt = await nextPrompt(h.shell, 'unlock');
    await h.shot(prompt, '10-unlock-prompt');
    await fillUnlock(prompt, 'not the passphrase');
    expect(await promptError(prompt)).toContain('Wrong passphrase');
    await h.shot(prompt, '11-unlock-wrong');
    await fillUnlock(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    await w.page.getByRole('cell', { name: 'Daily', exact: true }).waitFor();
  });

  it('creates a recovery phrase shown once in a trusted prompt, confirmed by three words', async () => {
    await w.page.getByLabel('Label').fill('Main seed');
    await w.button('New recovery phrase').click();
    const prompt = await nextPrompt(h.shell, 'mnemonic');
    const words = await readMnemonic(prompt);
    expect(words).toHaveLength(24);
    await h.shot(prompt, '12-mnemonic-shown');
    await prompt.getByRole('button', { name: 'I wrote them down' }).click();
    await prompt.getByRole('button', { name: 'Confirm' }).waitFor();
    await confirmMnemonic(prompt, words, true);
    expect(await promptError(prompt)).toContain('do not match');
    await h.shot(prompt, '13-mnemonic-confirm-wrong');
    await confirmMnemonic(prompt, words);
    await waitClosed(prompt);
    await w.page.getByRole('cell', { name: 'Main seed', exact: true }).waitFor();
    const keys = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ label: string; algorithm: string; exportable: boolean }> }).keys;
    const seed = keys.find((k) => k.label === 'Main seed')!;
    expect(seed.algorithm).toBe('hd-seed');
    expect(seed.exportable).toBe(false); // shown once: the mnemonic cannot be exported again
    await h.shot(w.page, '14-keys-with-seed');
  });

  it('a recovery phrase cancelled before confirmation is not kept', async () => {
    const before = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: unknown[] }).keys.length;
    await w.page.getByLabel('Label').fill('Abandoned');
    await w.button('New recovery phrase').click();
    const prompt = await nextPrompt(h.shell, 'mnemonic');
    await prompt.getByRole('button', { name: 'Cancel' }).click();
    await waitClosed(prompt);
    await expect.poll(async () => ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: unknown[] }).keys.length).toBe(before);
  });

  it('the KMS killed mid-call: the call fails UNAVAILABLE, the UI says the wallet locked, unlock brings it back', async () => {
    const pid = h.shell.core.supervisor.pid!;
    const pending = pageCall(w.page, 'keys', 'generate', { algorithm: 'rsa-4096', label: 'slow' });
    await new Promise((r) => setTimeout(r, 150));
    process.kill(pid, 'SIGKILL');
    const reply = await pending;
    expect(reply.ok).toBe(false);
    expect(reply.error?.kind).toBe('UNAVAILABLE');
    await w.expectState('Locked');
    await w.note().filter({ hasText: 'key service stopped' }).waitFor();
    await h.shot(w.page, '15-kms-killed-locked');
    await w.button('Unlock').click();
    const prompt = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    expect(h.shell.core.supervisor.pid).not.toBe(pid);
    await w.selectKey('Daily');
    await w.typeMessage('after the restart');
    await w.button('Sign').click();
    await expect.poll(() => w.signature().inputValue()).not.toBe('');
    await w.button('Verify').click();
    await w.expectVerdict('Signature valid');
    await h.shot(w.page, '16-after-restart-signed');
  });
});
