// The wallet window's frame, as a user sees it: the state pill, "Lock now", the side navigation, banners. Found by
// role and accessible name. Each screen has its own page object beside this one.
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import type { ChromiumShell } from '../../../main/chromium/chromiumShell.js';
import { fillCreate, nextPrompt, waitClosed } from './promptPages.js';

export type ScreenName = 'Accounts' | 'Ethereum' | 'Sign and verify' | 'Encrypt' | 'Keys' | 'Tokens' | 'Security' | 'Audit log' | 'Settings';

export class WalletPage {
  constructor(readonly page: Page) {}

  state(): Locator {
    return this.page.getByTestId('wallet-state');
  }

  async expectState(text: 'No wallet' | 'Locked' | 'Unlocked'): Promise<void> {
    await this.state().filter({ hasText: text }).waitFor({ timeout: 15_000 });
  }

  button(name: string): Locator {
    return this.page.getByRole('button', { name, exact: true });
  }

  alert(): Locator {
    return this.page.getByRole('alert');
  }

  note(): Locator {
    return this.page.locator('p.note');
  }

  async go(screen: ScreenName): Promise<void> {
    await this.page.getByRole('navigation', { name: 'Screens' }).getByRole('button', { name: screen, exact: true }).click();
    await this.page.getByRole('heading', { level: 2, name: screen === 'Encrypt' ? 'Encrypt and decrypt' : screen }).waitFor();
  }

  async lock(): Promise<void> {
    await this.button('Lock now').click();
    await this.expectState('Locked');
  }

  async errorText(): Promise<string> {
    await this.alert().first().waitFor();
    return (await this.alert().first().textContent()) ?? '';
  }

  /** Onboarding the short way: a passphrase wallet, the recovery phrase skipped. */
  async createPassphraseWallet(shell: ChromiumShell, passphrase: string): Promise<void> {
    await this.expectState('No wallet');
    await this.button('Create a new wallet').click();
    await this.button('Create wallet').click();
    const prompt = await nextPrompt(shell, 'create');
    await fillCreate(prompt, passphrase);
    await waitClosed(prompt);
    await this.expectState('Unlocked');
    await this.button('Skip for now').click();
    await this.page.getByRole('navigation', { name: 'Screens' }).waitFor();
  }
}

export async function expectNoAlert(page: Page): Promise<void> {
  expect(await page.getByRole('alert').count()).toBe(0);
}
