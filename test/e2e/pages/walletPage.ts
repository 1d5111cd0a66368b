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

/** Waits for a status line with `text`; if an error banner shows first, fails with its words. */
export async function expectStatus(scope: Page | import('playwright-core').Locator, text: string | RegExp, timeout = 30_000): Promise<void> {
  const status = scope.getByRole('status').filter({ hasText: text });
  const alert = scope.getByRole('alert');
  try {
    await status.or(alert).first().waitFor({ timeout });
  } catch {
    const page = 'page' in scope && typeof scope.page === 'function' ? scope.page() : (scope as Page);
    throw new Error(`expected "${String(text)}"; the page shows: ${((await page.locator('main').textContent()) ?? '').slice(0, 1500)}`);
  }
  if (!(await status.count())) throw new Error(`expected "${String(text)}", the screen says: ${(await alert.first().textContent()) ?? ''}`);
}
