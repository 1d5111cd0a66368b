// The trusted prompt pages, driven as a user would.
import type { Page } from 'playwright-core';
import type { ChromiumShell } from '../../../main/chromium/chromiumShell.js';

/** Clicks a button that may close its prompt window: main closing the page during the click is success. */
export async function clickClosing(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name, exact: true }).click({ noWaitAfter: true }).catch((e: unknown) => {
    if (!page.isClosed()) throw e;
  });
}

export async function nextPrompt(shell: ChromiumShell, kind: string): Promise<Page> {
  const p = await shell.prompts.next();
  if (p.kind !== kind) throw new Error(`expected a ${kind} prompt, got ${p.kind}`);
  await p.page.getByText('trusted prompt').waitFor();
  return p.page;
}

export async function fillCreate(page: Page, passphrase: string, confirm = passphrase): Promise<void> {
  await page.getByLabel('New passphrase').fill(passphrase);
  await page.getByLabel('Repeat passphrase').fill(confirm);
  await clickClosing(page, 'Create wallet');
}

export async function fillUnlock(page: Page, passphrase: string): Promise<void> {
  await page.getByLabel('Passphrase').fill(passphrase);
  await clickClosing(page, 'Unlock');
}

export async function fillPin(page: Page, pin: string): Promise<void> {
  await page.getByLabel('PIN').fill(pin);
  await clickClosing(page, 'Log in');
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
  await clickClosing(page, 'Confirm');
}

export async function waitClosed(page: Page): Promise<void> {
  if (page.isClosed()) return;
  await page.waitForEvent('close', { timeout: 15_000 });
}

/** The decoded fields an approval prompt shows, as label -> value (sections of a transaction or typed data). */
export async function approvalFields(page: Page, section = 0): Promise<Record<string, string>> {
  const list = page.getByTestId(`approval-section-${section}`);
  await list.waitFor();
  const out: Record<string, string> = {};
  for (const dd of await list.locator('dd').all()) {
    const label = (await dd.getAttribute('data-field')) ?? '';
    out[label] = (await dd.locator('span').first().textContent()) ?? '';
  }
  return out;
}

export async function approve(page: Page, answer: 'Approve' | 'Deny' = 'Approve'): Promise<void> {
  await clickClosing(page, answer);
  await waitClosed(page);
}

export async function fillRestore(page: Page, words: string, bip39Passphrase?: string): Promise<void> {
  await page.getByLabel('Recovery phrase').fill(words);
  if (bip39Passphrase) {
    await page.getByRole('checkbox', { name: /extra passphrase/ }).check();
    await page.getByLabel('BIP39 passphrase').fill(bip39Passphrase);
  }
  await clickClosing(page, 'Restore');
}

export async function fillImport(page: Page, format: 'jwk' | 'pkcs8' | 'spki' | 'secret', data: string, algorithm = ''): Promise<void> {
  await page.getByRole('combobox', { name: 'Format' }).selectOption(format);
  await page.getByRole('combobox', { name: 'Algorithm' }).selectOption(algorithm);
  await page.getByRole('textbox', { name: 'Key', exact: true }).fill(data);
  await clickClosing(page, 'Import');
}
