// Onboarding with hardware sealers, in Chromium. A TPM (swtpm) alone, or the OS keychain (gnome-keyring on a private
// D-Bus) alone: nothing to type at creation or unlock. A real SoftHSM2 token among the sealers: the token shown available with its label,
// chosen with the passphrase under the `all` policy; the passphrase and then the PIN typed in trusted prompts; the
// unlock screen names both, and unlocking asks for both. Then the keyboard alone: the side navigation and the tabs
// (arrow keys) work without a mouse, and focus is always visible on a named control.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSecretService, type SecretServiceSession } from '../services/gnomeKeyring.js';
import { startSoftHsm, type SoftHsm, type SoftHsmToken } from '../services/softhsm.js';
import { startSwtpm, type Swtpm } from '../services/swtpm.js';
import { expectAccessible } from './a11y.js';
import { startHarness, type Harness } from './harness.js';
import { OnboardingPage } from './pages/onboardingPage.js';
import { fillCreate, fillPin, fillUnlock, nextPrompt, waitClosed } from './pages/promptPages.js';
import { WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'kestrel-orchard-3141';

describe('onboarding with a security token, and the keyboard alone', () => {
  let hsm: SoftHsm;
  let token: SoftHsmToken;
  let h: Harness;
  let w: WalletPage;

  beforeAll(async () => {
    hsm = await startSoftHsm(['sealer-token']);
    token = hsm.tokens[0]!;
    process.env.OWKMS_PKCS11_MODULES = hsm.modulePath;
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    delete process.env.OWKMS_PKCS11_MODULES;
    await hsm?.cleanup();
  });

  it('passphrase and token, both needed: each secret in its trusted prompt at creation and at unlock', async () => {
    const o = new OnboardingPage(w.page);
    await w.expectState('No wallet');
    await o.start('create');
    expect(await o.sealerText(/^Security token/)).toMatch(/available/);
    await o.sealer(/^Security token/).check();
    await w.page.getByRole('combobox', { name: /Token/ }).waitFor();
    expect(await w.page.getByRole('combobox', { name: /Token/ }).inputValue()).toBe(token.serial);
    await o.choose('all');
    await h.shot(w.page, 'onboarding-sealers-token');
    await expectAccessible(w.page, 'onboarding sealers with a token');
    await o.create();
    const create = await nextPrompt(h.shell, 'create');
    await fillCreate(create, PASSPHRASE);
    await waitClosed(create);
    const enrol = await nextPrompt(h.shell, 'pin');
    expect(await enrol.getByRole('heading', { level: 1 }).or(enrol.getByRole('heading')).first().textContent()).toMatch(/Seal the wallet with token/);
    await fillPin(enrol, token.pin);
    await waitClosed(enrol);
    await w.expectState('Unlocked');
    await w.button('Skip for now').click();

    await w.lock();
    await w.page.getByTestId('unlock-how').filter({ hasText: /passphrase and your token’s PIN/ }).waitFor();
    await h.shot(w.page, 'unlock-token');
    await w.button('Unlock').click();
    const unlock = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(unlock, PASSPHRASE);
    await waitClosed(unlock);
    const pin = await nextPrompt(h.shell, 'pin');
    await fillPin(pin, token.pin);
    await waitClosed(pin);
    await w.expectState('Unlocked');
  }, 120_000);

  it('the keyboard alone: Tab reaches the side navigation, Enter opens a screen, arrow keys move between tabs', async () => {
    const page = w.page;
    const nav = page.getByRole('navigation', { name: 'Screens' });
    await nav.getByRole('button', { name: 'Accounts', exact: true }).focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } } }).document.activeElement.textContent)).toBe('Ethereum');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Sign and verify' }).waitFor();
    // Into the tab list: the selected tab is the one Tab stops on; the arrows move the selection.
    const message = page.getByRole('tab', { name: 'Message' });
    await message.focus();
    await page.keyboard.press('ArrowRight');
    expect(await page.getByRole('tab', { name: 'JWS' }).getAttribute('aria-selected')).toBe('true');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowLeft');
    expect(await page.getByRole('tab', { name: 'Verify' }).getAttribute('aria-selected')).toBe('true');
    // Every stop of 40 Tab presses is a control with an accessible name, and shows a focus ring.
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press('Tab');
      const stop = await page.evaluate(() => {
        const d = (globalThis as unknown as { document: { activeElement: { tagName: string; getAttribute(n: string): string | null; textContent: string; labels?: ArrayLike<unknown> } | null } }).document;
        const el = d.activeElement;
        if (!el || el.tagName === 'BODY') return { tag: 'BODY', named: true, ring: true };
        const named = !!(el.getAttribute('aria-label') || el.textContent?.trim() || (el.labels && el.labels.length > 0) || el.getAttribute('aria-labelledby'));
        const style = (globalThis as unknown as { getComputedStyle(e: unknown): { outlineStyle: string; boxShadow: string } }).getComputedStyle(el);
        return { tag: el.tagName, named, ring: style.outlineStyle !== 'none' || style.boxShadow !== 'none' };
      });
      expect(stop, `tab stop ${i}`).toMatchObject({ named: true, ring: true });
    }
  }, 60_000);
});

describe('onboarding with the TPM alone', () => {
  let sw: Swtpm;
  let h: Harness;
  let w: WalletPage;

  beforeAll(async () => {
    sw = await startSwtpm();
    process.env.OWKMS_TCTI = sw.tcti;
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    delete process.env.OWKMS_TCTI;
    await sw?.dispose();
  });

  it('the TPM available with its reason gone; created and unlocked without a prompt; Security shows it enrolled', async () => {
    const o = new OnboardingPage(w.page);
    await w.expectState('No wallet');
    await o.start('create');
    expect(await o.sealerText(/^TPM/)).toMatch(/available/);
    expect(await o.sealerText(/^TPM/)).not.toMatch(/not available/);
    await o.sealer(/^Passphrase/).uncheck();
    await o.sealer(/^TPM/).check();
    expect(await w.page.getByTestId('no-passphrase-note').textContent()).toMatch(/only this computer’s TPM can open this wallet.*recovery phrase/);
    await h.shot(w.page, 'onboarding-sealers-tpm');
    await expectAccessible(w.page, 'onboarding sealers, the TPM alone');
    await o.create();
    await w.expectState('Unlocked');
    await w.button('Skip for now').click();
    await w.go('Security');
    const tpmRow = w.page.getByRole('table', { name: 'Sealers' }).getByRole('row').filter({ hasText: 'TPM' });
    expect(await tpmRow.textContent()).toMatch(/yes.*yes/);
    await w.lock();
    await w.page.getByTestId('unlock-how').filter({ hasText: 'nothing to type' }).waitFor();
    await w.button('Unlock').click();
    await w.expectState('Unlocked');
  }, 120_000);
});

describe('onboarding with the OS keychain alone', () => {
  const PASSED = ['DBUS_SESSION_BUS_ADDRESS', 'HOME', 'XDG_RUNTIME_DIR'] as const;
  const saved = Object.fromEntries(PASSED.map((k) => [k, process.env[k]]));
  let keyring: SecretServiceSession;
  let h: Harness;
  let w: WalletPage;

  beforeAll(async () => {
    keyring = await startSecretService();
    // The KMS child gets these from main's environment (kmsHost's PASSED_ENV): the private bus, not the machine's.
    for (const k of PASSED) process.env[k] = keyring.env[k];
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    for (const k of PASSED) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await keyring?.stop();
  });

  it('the keychain available; created and unlocked with nothing typed; it is also the rollback guard', async () => {
    const o = new OnboardingPage(w.page);
    await w.expectState('No wallet');
    await o.start('create');
    expect(await o.sealerText(/^OS keychain/)).not.toMatch(/not available/);
    await o.sealer(/^Passphrase/).uncheck();
    await o.sealer(/^OS keychain/).check();
    expect(await w.page.getByTestId('no-passphrase-note').textContent()).toMatch(/only your login keychain can open this wallet/);
    await o.create();
    await w.expectState('Unlocked');
    await w.button('Skip for now').click();
    await w.go('Security');
    const row = w.page.getByRole('table', { name: 'Sealers' }).getByRole('row').filter({ hasText: 'OS keychain' });
    expect(await row.textContent()).toMatch(/yes.*yes/);
    expect(await w.page.getByRole('region', { name: 'Keystore and app integrity' }).textContent()).toMatch(/Rollback guard\s*OS keychain/);
    await h.shot(w.page, 'security-keychain');
    await w.lock();
    await w.page.getByTestId('unlock-how').filter({ hasText: 'nothing to type' }).waitFor();
    await w.button('Unlock').click();
    await w.expectState('Unlocked');
  }, 120_000);
});
