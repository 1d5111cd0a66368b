// Onboarding: welcome, the sealer choice (each sealer with its availability), the recovery phrase step.
import type { Locator, Page } from 'playwright-core';

export class OnboardingPage {
  constructor(readonly page: Page) {}

  async start(mode: 'create' | 'restore'): Promise<void> {
    await this.page.getByRole('button', { name: mode === 'create' ? 'Create a new wallet' : 'Restore from a recovery phrase' }).click();
    await this.page.getByRole('group', { name: 'Sealers' }).waitFor();
  }

  sealer(name: RegExp): Locator {
    return this.page.getByRole('checkbox', { name });
  }

  /** The availability badge and reason shown beside a sealer. */
  async sealerText(name: RegExp): Promise<string> {
    return (await this.sealer(name).locator('xpath=..').textContent()) ?? '';
  }

  async choose(policy: 'any' | 'all'): Promise<void> {
    await this.page.getByRole('radio', { name: policy === 'any' ? /Any one unlocks/ : /All are needed together/ }).check();
  }

  async create(): Promise<void> {
    await this.page.getByRole('button', { name: 'Create wallet', exact: true }).click();
  }

  async seedStep(restore: boolean): Promise<void> {
    await this.page.getByRole('heading', { name: restore ? 'Type your recovery phrase' : 'Your recovery phrase' }).waitFor({ timeout: 20_000 });
  }

  async showPhrase(): Promise<void> {
    await this.page.getByRole('button', { name: 'Show my recovery phrase' }).click();
  }

  async typePhrase(): Promise<void> {
    await this.page.getByRole('button', { name: 'Type my recovery phrase' }).click();
  }
}
