// The wallet window, as a user sees it: found by role and accessible name.
import { expect } from 'vitest';
import type { Locator, Page } from 'playwright-core';

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

  async generate(label: string, algorithm: string, guarded = false): Promise<void> {
    await this.page.getByLabel('Label').fill(label);
    await this.page.getByRole('combobox', { name: 'Algorithm' }).selectOption(algorithm);
    const box = this.page.getByLabel('Ask me before each use');
    if ((await box.isChecked()) !== guarded) await box.click();
    await this.button('Generate key').click();
    await this.page.getByRole('cell', { name: label, exact: true }).waitFor();
  }

  async selectKey(label: string): Promise<void> {
    const select = this.page.getByRole('combobox', { name: 'Key' });
    const option = select.locator('option', { hasText: `${label} (` });
    await select.selectOption(await option.getAttribute('value'));
  }

  async typeMessage(text: string): Promise<void> {
    await this.page.getByLabel('Message').fill(text);
  }

  signature(): Locator {
    return this.page.getByLabel('Signature (base64url)');
  }

  async expectVerdict(text: string): Promise<void> {
    await this.page.getByTestId('verdict').filter({ hasText: text }).waitFor();
  }

  async errorText(): Promise<string> {
    await this.alert().waitFor();
    return (await this.alert().textContent()) ?? '';
  }
}

export async function expectNoAlert(page: Page): Promise<void> {
  expect(await page.getByRole('alert').count()).toBe(0);
}
