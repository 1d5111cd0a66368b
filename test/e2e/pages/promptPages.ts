// The trusted prompt pages, driven as a user would.
import type { Page } from 'playwright-core';
import type { ChromiumShell } from '../../../main/chromium/chromiumShell.js';

export async function nextPrompt(shell: ChromiumShell, kind: string): Promise<Page> {
  const p = await shell.prompts.next();
  if (p.kind !== kind) throw new Error(`expected a ${kind} prompt, got ${p.kind}`);
  await p.page.getByText('trusted prompt').waitFor();
  return p.page;
}

export async function fillCreate(page: Page, passphrase: string, confirm = passphrase): Promise<void> {
  await page.getByLabel('New passphrase').fill(passphrase);
  await page.getByLabel('Repeat passphrase').fill(confirm);
  await page.getByRole('button', { name: 'Create wallet' }).click();
}

export async function fillUnlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase').fill(passphrase);
  await page.getByRole('button', { name: 'Unlock' }).click();
}

export async function fillPin(page: Page, pin: string): Promise<void> {
  await page.getByLabel('PIN').fill(pin);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export async function promptError(page: Page): Promise<string> {
  const alert = page.getByRole('alert');
  await alert.waitFor();
  return (await alert.textContent()) ?? '';
}

/** Reads the mnemonic shown once, moves to the confirmation step and answers it with `answer`'s words. */
export async function readMnemonic(page: Page): Promise<string[]> {
  const items = page.getByTestId('mnemonic-words').locator('li');
  await items.first().waitFor();
  return items.allTextContents();
}

export async function confirmMnemonic(page: Page, words: string[], wrong = false): Promise<void> {
  const labels = await page.locator('form label').allTextContents();
  for (const label of labels) {
    const pos = Number(/Word (\d+)/.exec(label)?.[1]);
    await page.getByLabel(`Word ${pos}`, { exact: true }).fill(wrong ? 'notaword' : words[pos - 1]!);
  }
  await page.getByRole('button', { name: 'Confirm' }).click();
}

export async function waitClosed(page: Page): Promise<void> {
  if (page.isClosed()) return;
  await page.waitForEvent('close', { timeout: 15_000 });
}
