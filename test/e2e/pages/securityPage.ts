// Security: sealers, integrity, the process, and the place of the Backup entry.
import type { Locator, Page } from 'playwright-core';

export class SecurityPage {
  constructor(readonly page: Page) {}

  sealersTable(): Locator {
    return this.page.getByRole('table', { name: 'Sealers' });
  }

  section(name: string): Locator {
    return this.page.getByRole('region', { name });
  }

  backupEntry(): Locator {
    return this.page.getByTestId('backup-entry');
  }
}
