// Sign and verify: the Message, JWS, Raw data and Verify tabs.
import type { Locator, Page } from 'playwright-core';

export class SignPage {
  constructor(readonly page: Page) {}

  async tab(name: 'Message' | 'JWS' | 'Raw data' | 'Verify'): Promise<Locator> {
    await this.page.getByRole('tab', { name }).click();
    return this.page.getByRole('tabpanel', { name });
  }

  async chooseKey(panel: Locator, label: string, name = 'Key'): Promise<void> {
    const select = panel.getByRole('combobox', { name, exact: true });
    const option = select.locator('option', { hasText: `${label} (` });
    await select.selectOption((await option.first().getAttribute('value'))!);
  }

  async sign(panel: Locator): Promise<void> {
    await panel.getByRole('button', { name: 'Sign', exact: true }).click();
  }

  signature(panel: Locator): Locator {
    return panel.getByTestId('signature');
  }

  verdict(panel: Locator): Locator {
    return panel.getByTestId('verdict');
  }
}
