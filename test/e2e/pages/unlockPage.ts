// The locked screen: the Unlock button, failed attempts and the backoff countdown.
import type { Locator, Page } from 'playwright-core';

export class UnlockPage {
  constructor(readonly page: Page) {}

  unlockButton(): Locator {
    return this.page.getByRole('button', { name: 'Unlock', exact: true });
  }

  countdown(): Locator {
    return this.page.getByTestId('unlock-countdown');
  }

  failedAttempts(): Locator {
    return this.page.getByTestId('failed-attempts');
  }
}
