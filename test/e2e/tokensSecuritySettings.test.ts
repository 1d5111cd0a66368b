// Tokens, security, the audit log and settings through the real renderer, preloads, broker and KMS, with a real
// SoftHSM2 token (one browser, one KMS): the PIN typed in the trusted prompt with the wrong-PIN count shown, keys
// generated on the token, the security facts from kms.status, the audit log filtered and verified, settings whose
// weakening is confirmed in the trusted approval prompt, the dark theme, and the words shown when the token is taken away. A screenshot per screen, axe on each.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/kms.js';
import { startSoftHsm, type SoftHsm } from '../services/softhsm.js';
import { expectAccessible } from './a11y.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { AuditPage } from './pages/auditPage.js';
import { KeysPage } from './pages/keysPage.js';
import { approvalFields, approve, fillPin, nextPrompt, promptError, waitClosed } from './pages/promptPages.js';
import { SecurityPage } from './pages/securityPage.js';
import { SettingsPage } from './pages/settingsPage.js';
import { SignPage } from './pages/signPage.js';
import { TokensPage } from './pages/tokensPage.js';
import { expectStatus, WalletPage } from './pages/walletPage.js';

const run = promisify(execFile);
const PASSPHRASE = 'harbor-violet-5520';
const TOKEN = 'desk-token';
const PIN = '246810';

describe('tokens, security, audit and settings in Chromium', () => {
  let h: Harness;
  let hsm: SoftHsm;
  let w: WalletPage;
  let settingsDir = '';
  const dark = async (name: string) => {
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await h.shot(w.page, `${name}-dark`);
    await expectAccessible(w.page, `${name} (dark)`);
    await w.page.emulateMedia({ colorScheme: 'light' });
  };

  beforeAll(async () => {
    hsm = await startSoftHsm([]);
    await run('softhsm2-util', ['--init-token', '--free', '--label', TOKEN, '--so-pin', '87654321', '--pin', PIN], { env: { ...process.env, ...hsm.env } });
    process.env.OWKMS_PKCS11_MODULES = hsm.modulePath;
    settingsDir = tempDir('owkms-e2e-settings-');
    h = await startHarness({ settingsFile: join(settingsDir, 'desktop-settings.json') });
    w = new WalletPage(await h.shell.openWallet());
    await w.createPassphraseWallet(h.shell, PASSPHRASE);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    delete process.env.OWKMS_PKCS11_MODULES;
    await hsm?.cleanup();
    if (settingsDir) removeDir(settingsDir);
  });

  it('tokens: log in through the PIN prompt (a wrong PIN is counted and shown), generate a key on the token', async () => {
    const t = new TokensPage(w.page);
    await w.go('Tokens');
    await t.token(TOKEN).waitFor();
    expect(await t.pinText(TOKEN)).toContain('Not logged in.');
    await t.login(TOKEN);
    const prompt = await nextPrompt(h.shell, 'pin');
    expect(await prompt.getByTestId('pin-tries').textContent()).toContain('user PIN');
    await h.shot(prompt, 'token-pin-prompt');
    await expectAccessible(prompt, 'PIN prompt');
    await fillPin(prompt, '000000');
    expect(await promptError(prompt)).toMatch(/Wrong PIN/);
    expect(await prompt.getByTestId('pin-tries').textContent()).toMatch(/1 wrong PIN so far/);
    await h.shot(prompt, 'token-pin-prompt-wrong');
    await prompt.getByRole('timer').waitFor({ state: 'detached', timeout: 20_000 }).catch(() => undefined);
    await fillPin(prompt, PIN);
    await waitClosed(prompt);
    await t.token(TOKEN).getByRole('button', { name: `Log out of ${TOKEN}` }).waitFor();
    expect(await t.pinText(TOKEN)).toContain('Logged in.');
    const k = new KeysPage(w.page);
    await k.generate('Token signer', 'p256', { within: t.generateForm(TOKEN) });
    await t.keysTable(TOKEN).getByRole('cell', { name: 'Token signer' }).waitFor({ timeout: 30_000 });
    const keys = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ label: string; provider: string }> }).keys;
    expect(keys.find((x) => x.label === 'Token signer')?.provider).toMatch(/^pkcs11:/);
    await h.shot(w.page, 'tokens');
    await expectAccessible(w.page, 'tokens');
    await dark('tokens');
  }, 90_000);

  it('security: sealers, unlock policy, rollback guard, hardening, sandbox, integrity; the place of the backup entry', async () => {
    const s = new SecurityPage(w.page);
    await w.go('Security');
    const sealers = s.sealersTable();
    await sealers.waitFor();
    expect(await sealers.getByRole('row').filter({ hasText: 'Passphrase' }).textContent()).toMatch(/yes.*yes/);
    expect(await w.page.getByText('any one enrolled sealer unlocks').count()).toBe(1);
    expect(await s.section('Keystore and app integrity').textContent()).toMatch(/Rollback guard.*Key set.*App files/s);
    expect(await s.section('Key service process').textContent()).toMatch(/Memory dumps.*Landlock.*seccomp/s);
    expect(await s.backupEntry().textContent()).toContain('Backup');
    await h.shot(w.page, 'security');
    await expectAccessible(w.page, 'security');
    await dark('security');
  });

  it('audit: entries with filters; verify the chain', async () => {
    const a = new AuditPage(w.page);
    await w.go('Audit log');
    await a.rows().first().waitFor();
    await a.filterText('keys.generate');
    await expect.poll(async () => (await a.rows().allTextContents()).every((r) => r.includes('keys.generate'))).toBe(true);
    expect(await a.rows().count()).toBeGreaterThan(0);
    await a.filterText('');
    await a.filterOutcome('failed');
    await expect.poll(async () => (await a.rows().allTextContents()).every((r) => !/\bok$/.test(r))).toBe(true);
    await a.filterOutcome('all');
    await a.filterWho('app');
    expect(await a.rows().first().textContent()).toContain('trusted window');
    await a.filterWho('');
    expect(await a.verify()).toMatch(/The log is intact: \d+ entries verified/);
    await h.shot(w.page, 'audit');
    await expectAccessible(w.page, 'audit');
    await dark('audit');
  });

  it('settings: a shorter auto-lock applies at once (and is saved); a longer one is confirmed in the trusted prompt; themes', async () => {
    const st = new SettingsPage(w.page);
    await w.go('Settings');
    await st.autoLock('After 1 minute');
    await st.saved();
    expect(h.shell.prompts.history.filter((p) => p.kind === 'approval')).toHaveLength(0);
    await st.autoLock('After 30 minutes');
    const prompt = await nextPrompt(h.shell, 'approval');
    const f = await approvalFields(prompt);
    expect(f).toEqual({ Now: 'after 1 minute of inactivity', New: 'after 30 minutes of inactivity' });
    await h.shot(prompt, 'approval-settings');
    await expectAccessible(prompt, 'approval prompt (settings)');
    await approve(prompt, 'Deny');
    await w.page.getByRole('alert').filter({ hasText: 'You declined' }).waitFor();
    expect((await pageCall(w.page, 'settings', 'get')).result).toMatchObject({ autoLockMinutes: 1 });
    expect(JSON.parse(readFileSync(join(settingsDir, 'desktop-settings.json'), 'utf8'))).toEqual({ autoLockMinutes: 1, keyCacheSeconds: 60 });
    await st.keyCache('Do not keep (decrypt for each use)');
    await expectStatus(w.page, 'Saved.');
    await h.shot(w.page, 'settings');
    await expectAccessible(w.page, 'settings');
    await st.theme('Dark');
    expect(await w.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { dataset: { theme: string } } } }).document.documentElement.dataset.theme)).toBe('dark');
    await h.shot(w.page, 'settings-dark');
    await expectAccessible(w.page, 'settings (dark)');
    await st.theme('Follow the system');
  }, 60_000);

  it('a token taken away: signing with its key says what to do ("Is the token plugged in?")', async () => {
    const tokens = ((await pageCall(w.page, 'tokens', 'list', {})).result as { tokens: Array<{ label: string; serial: string }> }).tokens;
    const putBack = await hsm.unplug(tokens.find((t) => t.label === TOKEN)!.serial);
    try {
      await w.go('Sign and verify');
      const s = new SignPage(w.page);
      const panel = await s.tab('Raw data');
      await s.chooseKey(panel, 'Token signer');
      await panel.getByRole('textbox', { name: 'Data' }).fill('signed on the token');
      await s.sign(panel);
      expect(await w.errorText()).toMatch(/security token did not answer.*Is the token plugged in\?.*TOKEN_ERROR/s);
      await h.shot(w.page, 'sign-token-away');
    } finally {
      await putBack();
    }
  }, 60_000);
});
