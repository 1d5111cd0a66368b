// Encrypt and decrypt: text or a file, the envelope, and key agreement.
import type { Locator, Page } from 'playwright-core';

export class EncryptPage {
  constructor(readonly page: Page) {}

  async tab(name: 'Encrypt' | 'Decrypt' | 'Key agreement'): Promise<Locator> {
    await this.page.getByRole('tab', { name }).click();
    return this.page.getByRole('tabpanel', { name });
  }

  async chooseKey(panel: Locator, label: string, name = 'Key'): Promise<void> {
    const select = panel.getByRole('combobox', { name, exact: true });
    await select.selectOption((await select.locator('option', { hasText: `${label} (` }).first().getAttribute('value'))!);
  }

  envelope(panel: Locator): Locator {
    return panel.getByTestId('envelope');
  }

  plaintext(panel: Locator): Locator {
    return panel.getByTestId('plaintext');
  }
}
