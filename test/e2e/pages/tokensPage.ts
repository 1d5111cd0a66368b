// Tokens: each token's card with its PIN state, log in / log out, its keys, and generate on it.
import type { Locator, Page } from 'playwright-core';

export class TokensPage {
  constructor(readonly page: Page) {}

  token(label: string): Locator {
    return this.page.getByRole('region', { name: label, exact: true });
  }

  async login(label: string): Promise<void> {
    await this.token(label).getByRole('button', { name: `Log in to ${label}` }).click();
  }

  async logout(label: string): Promise<void> {
    await this.token(label).getByRole('button', { name: `Log out of ${label}` }).click();
  }

  async pinText(label: string): Promise<string> {
    return (await this.token(label).getByRole('definition').filter({ hasText: /logged in/i }).textContent()) ?? '';
  }

  keysTable(label: string): Locator {
    return this.page.getByRole('table', { name: `Keys on ${label}` });
  }

  generateForm(label: string): Locator {
    return this.token(label).getByRole('form', { name: 'Generate a key' });
  }
}
