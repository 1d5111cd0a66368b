// The same flows through the real Electron app, with Playwright's _electron.launch: create a wallet in the trusted
// prompt window, generate, sign and verify, lock and unlock, and what only Electron can show (context isolation,
// sandbox, no Node in the page, the KMS as a utility process, the CSP header). Where no Electron binary exists
// (these machines), every test reports itself skipped with the reason.
import { _electron, type ElectronApplication, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../helpers/kms.js';
import { findElectron } from './electronBinary.js';

const binary = findElectron();
const SKIP = 'path' in binary ? undefined : binary.reason;
const PASSPHRASE = 'electron-e2e-passphrase';

describe('the Electron app', () => {
  let app: ElectronApplication | undefined;
  let page: Page;
  const store = tempDir('owkms-electron-');

  beforeAll(async () => {
    if (SKIP) {
      console.warn(`test/e2e/electron skipped: ${SKIP}`);
      return;
    }
    app = await _electron.launch({
      executablePath: (binary as { path: string }).path,
      args: ['.'],
      env: { ...process.env, OWKMS_STORE: store } as Record<string, string>,
    });
    page = await app.firstWindow();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    removeDir(store);
  });

  async function prompt(): Promise<Page> {
    const p = await app!.waitForEvent('window');
    await p.getByText('trusted prompt').waitFor();
    return p;
  }

  it('the page has no Node, no ipcRenderer, only window.wallet; isolation and sandbox are on', async (ctx) => {
    if (SKIP) return ctx.skip(SKIP);
    const g = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return { require: typeof w.require, process: typeof w.process, ipc: typeof w.ipcRenderer, wallet: typeof w.wallet, origin: (w.location as { origin: string }).origin };
    });
    expect(g).toEqual({ require: 'undefined', process: 'undefined', ipc: 'undefined', wallet: 'object', origin: 'app://wallet' });
    // The KMS runs as a utility process named by the settings, not inside main.
    const metrics = await app!.evaluate(({ app: a }) => a.getAppMetrics().map((m) => ({ type: m.type, serviceName: m.serviceName })));
    expect(metrics).toContainEqual({ type: 'Utility', serviceName: 'OpenWallet KMS' });
    // A page that changes its own prototypes cannot reach the preload's world.
    const r = await page.evaluate(async () => {
      Array.prototype.push = () => 0;
      const w = (window as unknown as { wallet: { kms: { status(p: object): Promise<{ ok: boolean }> } } }).wallet;
      return (await w.kms.status({ probe: false })).ok;
    });
    expect(r).toBe(true);
  });

  it('create a wallet, generate, sign and verify, lock and unlock', async (ctx) => {
    if (SKIP) return ctx.skip(SKIP);
    const next = prompt();
    await page.getByRole('button', { name: 'Create wallet' }).click();
    const create = await next;
    await create.getByLabel('New passphrase').fill(PASSPHRASE);
    await create.getByLabel('Repeat passphrase').fill(PASSPHRASE);
    await create.getByRole('button', { name: 'Create wallet' }).click();
    await page.getByTestId('wallet-state').filter({ hasText: 'Unlocked' }).waitFor();
    await page.getByLabel('Label').fill('Daily');
    await page.getByRole('button', { name: 'Generate key' }).click();
    await page.getByLabel('Message').fill('hello from electron');
    await page.getByRole('button', { name: 'Sign', exact: true }).click();
    await expect.poll(() => page.getByLabel('Signature (base64url)').inputValue()).not.toBe('');
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByTestId('verdict').filter({ hasText: 'Signature valid' }).waitFor();
    await page.getByRole('button', { name: 'Lock' }).click();
    const unlockNext = prompt();
    await page.getByRole('button', { name: 'Unlock' }).click();
    const unlock = await unlockNext;
    await unlock.getByLabel('Passphrase').fill(PASSPHRASE);
    await unlock.getByRole('button', { name: 'Unlock' }).click();
    await page.getByTestId('wallet-state').filter({ hasText: 'Unlocked' }).waitFor();
  });

  it('navigation away and new windows are refused', async (ctx) => {
    if (SKIP) return ctx.skip(SKIP);
    const before = app!.windows().length;
    await page.evaluate(() => {
      const w = window as unknown as { open(url: string): void; location: { href: string } };
      w.open('https://example.com/');
      w.location.href = 'https://example.com/';
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(app!.windows().length).toBe(before);
    expect(page.url()).toBe('app://wallet/index.html');
  });
});
