// Ethereum: the account, the transaction form and the typed data form.
import type { Locator, Page } from 'playwright-core';

export interface TxFields { network?: string; to: string; amount: string; nonce?: string; gasLimit?: string; maxFee?: string; priorityFee?: string; data?: string }

export class EthereumPage {
  constructor(readonly page: Page) {}

  async chooseAccount(address: string): Promise<void> {
    const select = this.page.getByRole('combobox', { name: 'Account' });
    await select.selectOption((await select.locator('option', { hasText: address }).getAttribute('value'))!);
  }

  async fillTransaction(f: TxFields): Promise<void> {
    const p = this.page.getByRole('tabpanel', { name: 'Transaction' });
    if (f.network) await p.getByRole('combobox', { name: 'Network' }).selectOption(f.network);
    await p.getByLabel('To (address)').fill(f.to);
    await p.getByLabel('Amount (ETH)').fill(f.amount);
    if (f.nonce) await p.getByLabel('Nonce').fill(f.nonce);
    if (f.gasLimit) await p.getByLabel('Gas limit').fill(f.gasLimit);
    if (f.maxFee) await p.getByLabel('Max fee (gwei)').fill(f.maxFee);
    if (f.priorityFee) await p.getByLabel('Max priority fee (gwei)').fill(f.priorityFee);
    if (f.data) await p.getByLabel('Data (optional, 0x hex)').fill(f.data);
  }

  async signTransaction(): Promise<void> {
    await this.page.getByRole('button', { name: 'Sign transaction' }).click();
  }

  signedTransaction(): Locator {
    return this.page.getByTestId('signed-tx');
  }

  async typedDataTab(): Promise<Locator> {
    await this.page.getByRole('tab', { name: 'Typed data (EIP-712)' }).click();
    return this.page.getByRole('tabpanel', { name: 'Typed data (EIP-712)' });
  }

  async signTypedData(json?: string): Promise<void> {
    const p = this.page.getByRole('tabpanel', { name: 'Typed data (EIP-712)' });
    if (json) await p.getByLabel(/^Typed data/).fill(json);
    await p.getByRole('button', { name: 'Sign typed data' }).click();
  }

  typedSignature(): Locator {
    return this.page.getByTestId('typed-signature');
  }
}
