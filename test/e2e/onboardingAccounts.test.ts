// Onboarding and accounts through the real renderer, preloads, broker and KMS (one browser and one KMS for the
// file, a second KMS for the restore path): the sealer choice with availability and reasons, the passphrase and
// the recovery phrase in trusted prompts, accounts for Ethereum, Bitcoin P2WPKH and P2TR and Solana (addresses
// checked against @scure/bip32 + micro-eth-signer and @scure/btc-signer, the QR code decoded by jsQR), copy with
// confirmation, lock and unlock with the backoff countdown. A screenshot per screen, axe on every one.
import { HDKey } from '@scure/bip32';
import { mnemonicToSeedSync } from '@scure/bip39';
import { p2tr, p2wpkh, NETWORK } from '@scure/btc-signer';
import jsQRModule from 'jsqr';
import { addr } from 'micro-eth-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible } from './a11y.js';
import { startHarness, type Harness } from './harness.js';
import { AccountsPage } from './pages/accountsPage.js';
import { OnboardingPage } from './pages/onboardingPage.js';
import { confirmMnemonic, fillCreate, fillRestore, fillUnlock, nextPrompt, promptError, readMnemonic, waitClosed } from './pages/promptPages.js';
import { UnlockPage } from './pages/unlockPage.js';
import { WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'sandpiper-lantern-92';
/** jsqr is CommonJS: its function is the module itself under Node, `default` in its types. */
const jsQR = ((jsQRModule as unknown as { default?: typeof jsQRModule }).default ?? jsQRModule) as unknown as (data: Uint8ClampedArray, w: number, h: number) => { data: string } | null;
const ABANDON = 'abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon abandon about';

/** The QR code image decoded in the page (drawn on a canvas) and read by jsQR in Node. */
async function decodeQr(page: import('playwright-core').Page, testIdScope: import('playwright-core').Locator): Promise<string | undefined> {
  const img = testIdScope.getByRole('img');
  const pixels = await img.evaluate(async (el: { src: string }) => {
    const g = globalThis as unknown as { Image: new () => { src: string; decode(): Promise<void>; width: number; height: number }; document: { createElement(t: string): { width: number; height: number; getContext(k: string): { fillStyle: string; fillRect(...a: number[]): void; drawImage(...a: unknown[]): void; getImageData(...a: number[]): { data: Uint8ClampedArray } } } } };
    const image = new g.Image();
    image.src = el.src;
    await image.decode();
    const canvas = g.document.createElement('canvas');
    canvas.width = 400;
    canvas.height = 400;
    const ctx = canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, 400, 400);
    ctx.drawImage(image, 0, 0, 400, 400);
    return Array.from(ctx.getImageData(0, 0, 400, 400).data);
  });
  return jsQR(Uint8ClampedArray.from(pixels), 400, 400)?.data;
}

describe('onboarding and accounts in Chromium', () => {
  let h: Harness;
  let w: WalletPage;
  let words: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    w = new WalletPage(await h.shell.openWallet());
    await h.shell.walletContext.grantPermissions(['clipboard-read', 'clipboard-write']);
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('welcome, then the sealers with their availability and reasons; the passphrase in the trusted prompt', async () => {
    const o = new OnboardingPage(w.page);
    await w.expectState('No wallet');
    await h.shot(w.page, 'onboarding-welcome');
    await expectAccessible(w.page, 'onboarding welcome');
    await o.start('create');
    // The passphrase is always there; the TPM, keychain and token are not on this machine, and each says why.
    expect(await o.sealer(/^Passphrase/).isEnabled()).toBe(true);
    expect(await o.sealer(/^TPM/).isDisabled()).toBe(true);
    expect(await o.sealerText(/^TPM/)).toMatch(/not available.*Not available here: \S+/s);
    expect(await o.sealerText(/^OS keychain/)).toMatch(/not available/);
    await h.shot(w.page, 'onboarding-sealers');
    await expectAccessible(w.page, 'onboarding sealers');
    await o.create();
    const prompt = await nextPrompt(h.shell, 'create');
    await h.shot(prompt, 'onboarding-passphrase-prompt');
    await expectAccessible(prompt, 'create prompt');
    await fillCreate(prompt, 'short', 'short');
    expect(await promptError(prompt)).toContain('at least 8');
    await fillCreate(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    await o.seedStep(false);
    await h.shot(w.page, 'onboarding-recovery');
  });

  it('the recovery phrase is shown once in a trusted prompt (no copy button) and confirmed by three words', async () => {
    await new OnboardingPage(w.page).showPhrase();
    const prompt = await nextPrompt(h.shell, 'mnemonic');
    words = await readMnemonic(prompt);
    expect(words).toHaveLength(24);
    expect(await prompt.getByRole('button', { name: /copy/i }).count()).toBe(0);
    await h.shot(prompt, 'onboarding-mnemonic-prompt');
    await expectAccessible(prompt, 'mnemonic prompt');
    await prompt.getByRole('button', { name: 'I wrote them down' }).click();
    await prompt.getByRole('button', { name: 'Confirm' }).waitFor();
    await h.shot(prompt, 'onboarding-mnemonic-confirm');
    await confirmMnemonic(prompt, words);
    await waitClosed(prompt);
    await w.page.getByRole('heading', { name: 'Accounts' }).waitFor();
  });

  it('accounts: Ethereum, Bitcoin P2WPKH and P2TR, Solana; paths and addresses as BIP32/84/86 give them; QR and copy', async () => {
    const a = new AccountsPage(w.page);
    const root = HDKey.fromMasterSeed(mnemonicToSeedSync(words.join(' ')));
    await a.add('Ethereum');
    await a.add('Ethereum');
    await a.add('Bitcoin (native SegWit, P2WPKH)');
    await a.add('Bitcoin (Taproot, P2TR)');
    await a.add('Solana');
    expect(await a.path('Ethereum', 1)).toMatch(/^m\/44'\/60'\/0'\/0\/1$/);
    const eth1 = root.derive("m/44'/60'/0'/0/1");
    expect(await a.address('Ethereum', 1)).toBe(addr.fromPublicKey(eth1.publicKey!));
    expect(await a.address('Bitcoin (native SegWit, P2WPKH)', 0)).toBe(p2wpkh(root.derive("m/84'/0'/0'/0/0").publicKey!, NETWORK).address);
    expect(await a.address('Bitcoin (Taproot, P2TR)', 0)).toBe(p2tr(root.derive("m/86'/0'/0'/0/0").publicKey!.subarray(1), undefined, NETWORK).address);
    expect(await a.address('Solana', 0)).toMatch(/^[1-9A-HJ-NP-Za-km-z]{32,44}$/);
    await a.copy('Ethereum', 1);
    expect(await w.page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(await a.address('Ethereum', 1));
    await a.showQr('Ethereum', 1);
    expect(await decodeQr(w.page, a.account('Ethereum', 1))).toBe(await a.address('Ethereum', 1));
    await h.shot(w.page, 'accounts');
    await expectAccessible(w.page, 'accounts');
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await h.shot(w.page, 'accounts-dark');
    await expectAccessible(w.page, 'accounts (dark)');
    await w.page.emulateMedia({ colorScheme: 'light' });
  });

  it('a recovery phrase restored in its trusted prompt gives the standard accounts (BIP39 "abandon ... about")', async () => {
    const a = new AccountsPage(w.page);
    await a.restoreAnother();
    const prompt = await nextPrompt(h.shell, 'restore');
    await h.shot(prompt, 'onboarding-restore-prompt');
    await expectAccessible(prompt, 'restore prompt');
    await fillRestore(prompt, 'abandon abandon abandon');
    expect(await promptError(prompt)).toContain('this has 3');
    await fillRestore(prompt, ABANDON);
    await waitClosed(prompt);
    await a.chooseSeed('Restored wallet');
    await a.add('Ethereum');
    expect(await a.address('Ethereum', 0)).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
  });

  it('lock, wrong passphrases, the backoff counted down on the unlock screen, then unlock', async () => {
    const u = new UnlockPage(w.page);
    await w.lock();
    for (let i = 0; i < 3; i++) {
      await u.unlockButton().click();
      const prompt = await nextPrompt(h.shell, 'unlock');
      if (i === 0) await h.shot(prompt, 'unlock-prompt');
      await fillUnlock(prompt, `wrong passphrase ${i}`);
      const err = await promptError(prompt);
      expect(err).toMatch(/Wrong passphrase|Too many wrong attempts/);
      if (/Too many/.test(err)) {
        await prompt.getByTestId('prompt-countdown').waitFor();
        await h.shot(prompt, 'unlock-prompt-backoff');
      }
      await prompt.getByRole('button', { name: 'Cancel' }).click();
      await waitClosed(prompt);
    }
    await u.failedAttempts().waitFor();
    await u.countdown().waitFor();
    expect(await u.unlockButton().isDisabled()).toBe(true);
    expect(await u.countdown().textContent()).toMatch(/try again in \d+ s/);
    await h.shot(w.page, 'unlock');
    await expectAccessible(w.page, 'unlock');
    await w.page.emulateMedia({ colorScheme: 'dark' });
    await h.shot(w.page, 'unlock-dark');
    await w.page.emulateMedia({ colorScheme: 'light' });
    await u.countdown().waitFor({ state: 'detached', timeout: 40_000 });
    await u.unlockButton().click();
    const prompt = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
  }, 90_000);
});

describe('onboarding: restore a wallet from its recovery phrase', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.close();
  });

  it('restore: the sealers, the passphrase, then the words typed only in the trusted prompt', async () => {
    h = await startHarness();
    const w = new WalletPage(await h.shell.openWallet());
    const o = new OnboardingPage(w.page);
    await w.expectState('No wallet');
    await o.start('restore');
    await o.create();
    const create = await nextPrompt(h.shell, 'create');
    await fillCreate(create, PASSPHRASE);
    await waitClosed(create);
    await o.seedStep(true);
    await h.shot(w.page, 'onboarding-restore');
    await o.typePhrase();
    const prompt = await nextPrompt(h.shell, 'restore');
    await fillRestore(prompt, ABANDON);
    await waitClosed(prompt);
    const a = new AccountsPage(w.page);
    await a.add('Ethereum');
    expect(await a.address('Ethereum', 0)).toBe('0x9858EfFD232B4033E47d90003D41EC34EcaEda94');
    expect(await w.page.content()).not.toContain('abandon');
  }, 90_000);
});
