// Keys: the table, generate (algorithm picker, policy fields), import, and a key's detail (public key, JWK,
// fingerprints, rename, approval, rotate, delete with confirmation).
import type { Locator, Page } from 'playwright-core';

export class KeysPage {
  constructor(readonly page: Page) {}

  row(label: string): Locator {
    return this.page.getByRole('table', { name: 'Keys' }).getByRole('row').filter({ has: this.page.getByRole('button', { name: `Details of ${label}`, exact: true }) });
  }

  async generate(label: string, algorithm: string, opts: { approval?: boolean; purposes?: string[]; provider?: string; within?: Locator } = {}): Promise<void> {
    const form = opts.within ?? this.page.getByRole('form', { name: 'Generate a key' }).first();
    await form.getByLabel('Label', { exact: true }).fill(label);
    await form.getByRole('combobox', { name: 'Algorithm' }).selectOption(algorithm);
    await form.getByRole('checkbox', { name: /Ask me before each use/ }).setChecked(opts.approval === true);
    await form.getByRole('button', { name: 'Generate key' }).click();
  }

  async waitForKey(label: string): Promise<void> {
    await this.row(label).waitFor({ timeout: 30_000 });
  }

  async open(label: string): Promise<Locator> {
    await this.page.getByRole('button', { name: `Details of ${label}`, exact: true }).click();
    const detail = this.page.getByTestId('key-detail');
    await detail.getByRole('heading', { name: label }).waitFor();
    return detail;
  }

  detail(): Locator {
    return this.page.getByTestId('key-detail');
  }

  async detailValue(testId: string): Promise<string> {
    return (await this.detail().getByTestId(testId).textContent()) ?? '';
  }

  async importKey(approval = false): Promise<void> {
    if (approval) await this.page.getByRole('checkbox', { name: 'Ask me before each use of the imported key' }).check();
    await this.page.getByRole('button', { name: 'Import a key…' }).click();
  }

  async rotate(): Promise<void> {
    await this.detail().getByRole('button', { name: 'Rotate' }).click();
  }

  async askBeforeUse(): Promise<void> {
    await this.detail().getByRole('button', { name: 'Ask before each use' }).click();
  }

  async startDelete(): Promise<Locator> {
    await this.detail().getByRole('button', { name: 'Delete…' }).click();
    const dialog = this.page.getByRole('alertdialog');
    await dialog.waitFor();
    return dialog;
  }
}
