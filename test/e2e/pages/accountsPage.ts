// Accounts: per chain, "Add account", each account's path, address, copy and QR code.
import type { Locator, Page } from 'playwright-core';

export type ChainName = 'Ethereum' | 'Bitcoin (native SegWit, P2WPKH)' | 'Bitcoin (Taproot, P2TR)' | 'Solana';
const IDS: Record<ChainName, string> = { Ethereum: 'ethereum', 'Bitcoin (native SegWit, P2WPKH)': 'bitcoin-p2wpkh', 'Bitcoin (Taproot, P2TR)': 'bitcoin-p2tr', Solana: 'solana' };

export class AccountsPage {
  constructor(readonly page: Page) {}

  chain(name: ChainName): Locator {
    return this.page.getByRole('region', { name, exact: true });
  }

  account(name: ChainName, index: number): Locator {
    return this.page.getByTestId(`account-${IDS[name]}-${index}`);
  }

  async add(name: ChainName): Promise<Locator> {
    const before = await this.chain(name).getByTestId('address').count();
    await this.chain(name).getByRole('button', { name: `Add account: ${name} ${before + 1}`, exact: true }).click();
    const account = this.account(name, before);
    await account.waitFor({ timeout: 20_000 });
    return account;
  }

  async address(name: ChainName, index: number): Promise<string> {
    return (await this.account(name, index).getByTestId('address').textContent()) ?? '';
  }

  async path(name: ChainName, index: number): Promise<string> {
    return (await this.account(name, index).locator('code').first().textContent()) ?? '';
  }

  async copy(name: ChainName, index: number): Promise<void> {
    await this.account(name, index).getByRole('button', { name: /^Copy / }).click();
    await this.account(name, index).getByText('Copied').waitFor();
  }

  async showQr(name: ChainName, index: number): Promise<Locator> {
    await this.account(name, index).getByRole('button', { name: /^QR code for / }).click();
    const img = this.account(name, index).getByRole('img', { name: /^QR code of / });
    await img.waitFor();
    return img;
  }

  async restoreAnother(): Promise<void> {
    await this.page.getByRole('button', { name: 'Restore another phrase' }).click();
  }

  async chooseSeed(label: string): Promise<void> {
    await this.page.getByRole('combobox', { name: 'Recovery phrase' }).selectOption({ label });
  }
}
