// Issue 11's flows on the full UI: a guarded key's signature approved (the prompt shows the message) and denied,
// binary data shown by its SHA-256, a recovery phrase cancelled before confirmation is not kept, and the KMS
// killed mid-call (the call fails UNAVAILABLE, the UI says the wallet locked, the next call works after unlock).
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageCall, startHarness, type Harness } from './harness.js';
import { KeysPage } from './pages/keysPage.js';
import { approve, fillUnlock, nextPrompt, waitClosed } from './pages/promptPages.js';
import { SignPage } from './pages/signPage.js';
import { WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'tangerine-orbit-41';

describe('wallet flows in Chromium', () => {
  let h: Harness;
  let w: WalletPage;
  const keys = async () => ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ id: string; label: string }> }).keys;

  beforeAll(async () => {
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
    await w.createPassphraseWallet(h.shell, PASSPHRASE);
    await w.go('Keys');
    const k = new KeysPage(w.page);
    await k.generate('Daily', 'ed25519');
    await k.waitForKey('Daily');
    await k.generate('Vault', 'p256', { approval: true });
    await k.waitForKey('Vault');
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('a guarded key asks in a trusted prompt showing the message: approved, then denied', async () => {
    const s = new SignPage(w.page);
    await w.go('Sign and verify');
    const panel = await s.tab('Raw data');
    await s.chooseKey(panel, 'Vault');
    await panel.getByRole('textbox', { name: 'Data' }).fill('Pay 5 EUR to Bob');
    await s.sign(panel);
    let prompt = await nextPrompt(h.shell, 'approval');
    expect(await prompt.getByTestId('approval-message').textContent()).toBe('Pay 5 EUR to Bob');
    expect(await prompt.getByTestId('approval-key').textContent()).toMatch(/Vault.*p256/);
    await approve(prompt);
    await s.signature(panel).waitFor();
    await panel.getByRole('textbox', { name: 'Data' }).fill('Pay 5000 EUR to Mallory');
    await s.sign(panel);
    prompt = await nextPrompt(h.shell, 'approval');
    expect(await prompt.getByTestId('approval-message').textContent()).toBe('Pay 5000 EUR to Mallory');
    await approve(prompt, 'Deny');
    expect(await w.errorText()).toContain('You declined this in the approval window.');
    expect(await s.signature(panel).count()).toBe(0);
    await h.shot(w.page, 'sign-denied');
  });

  it('lists keys oldest first, though keys.list pages go in (random) key-id order', async () => {
    await w.go('Keys');
    const k = new KeysPage(w.page);
    for (const label of ['Third', 'Fourth', 'Fifth']) {
      await k.generate(label, 'ed25519');
      await k.waitForKey(label);
    }
    const list = (await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ label: string; createdAt: string }> };
    expect(list.keys.length).toBeGreaterThanOrEqual(5); // 1 in 120 that id order happens to be creation order
    const oldestFirst = [...list.keys].sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).map((x) => x.label);
    const shown = await w.page.getByRole('table', { name: 'Keys' }).locator('tbody tr td:first-child').allTextContents();
    expect(shown).toEqual(oldestFirst);
    expect(shown.slice(0, 2)).toEqual(['Daily', 'Vault']);
  });

  it('binary data to approve is shown by its SHA-256', async () => {
    const vault = (await keys()).find((k) => k.label === 'Vault')!;
    const data = Buffer.from([0, 1, 2, 0xff, 0xfe]);
    const pending = pageCall(w.page, 'crypto', 'sign', { id: vault.id, data: data.toString('base64url') });
    const prompt = await nextPrompt(h.shell, 'approval');
    expect(await prompt.getByTestId('approval-hash').textContent()).toBe(createHash('sha256').update(data).digest('hex'));
    await h.shot(prompt, 'approval-hash');
    await approve(prompt, 'Deny');
    expect((await pending).error?.kind).toBe('APPROVAL_DENIED');
  });

  it('a recovery phrase cancelled before confirmation is not kept', async () => {
    const before = (await keys()).length;
    await w.go('Accounts');
    await w.page.getByRole('button', { name: 'Create a recovery phrase' }).click();
    const prompt = await nextPrompt(h.shell, 'mnemonic');
    await prompt.getByRole('button', { name: 'Cancel' }).click();
    await waitClosed(prompt);
    await expect.poll(async () => (await keys()).length).toBe(before);
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
    // The restarted key service is asked again what unlocking needs (it said "TPM or keychain" when the first ask failed).
    await w.page.getByTestId('unlock-how').filter({ hasText: 'with your passphrase' }).waitFor({ timeout: 15_000 });
    await h.shot(w.page, 'kms-killed-locked');
    await w.button('Unlock').click();
    const prompt = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    expect(h.shell.core.supervisor.pid).not.toBe(pid);
    const daily = (await keys()).find((k) => k.label === 'Daily')!;
    expect((await pageCall(w.page, 'crypto', 'sign', { id: daily.id, data: 'aGk' })).ok).toBe(true);
  });
});
