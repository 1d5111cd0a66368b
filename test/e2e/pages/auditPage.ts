// The audit log: filters, the table of entries, and "Verify the log".
import type { Locator, Page } from 'playwright-core';

export class AuditPage {
  constructor(readonly page: Page) {}

  rows(): Locator {
    return this.page.getByRole('table', { name: 'Audit entries' }).locator('tbody').getByRole('row');
  }

  async filterText(text: string): Promise<void> {
    await this.page.getByLabel('Method or key id').fill(text);
  }

  async filterOutcome(outcome: 'all' | 'ok' | 'failed'): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Outcome' }).selectOption(outcome);
  }

  async filterWho(value: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Who' }).selectOption(value);
  }

  async verify(): Promise<string> {
    await this.page.getByRole('button', { name: 'Verify the log' }).click();
    const result = this.page.getByRole('status').filter({ hasText: /The log is intact|changed outside/ });
    await result.waitFor();
    return (await result.textContent()) ?? '';
  }
}
