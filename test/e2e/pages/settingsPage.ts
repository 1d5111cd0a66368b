// Settings: auto-lock, key cache, theme.
import type { Page } from 'playwright-core';

export class SettingsPage {
  constructor(readonly page: Page) {}

  async autoLock(label: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Lock the wallet when idle' }).selectOption({ label });
  }

  async keyCache(label: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Keep a decrypted key in memory' }).selectOption({ label });
  }

  async theme(name: 'Follow the system' | 'Light' | 'Dark'): Promise<void> {
    await this.page.getByRole('radio', { name }).check();
  }

  async saved(): Promise<void> {
    await this.page.getByRole('status').filter({ hasText: 'Saved.' }).waitFor();
  }
}
