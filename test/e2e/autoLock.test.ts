// Auto-lock through the real app path: after the idle time the KMS locks and the wallet window says why; a
// suspend (what Electron's powerMonitor reports) locks at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pageCall, startHarness, type Harness } from './harness.js';
import { fillCreate, fillUnlock, nextPrompt, waitClosed } from './pages/promptPages.js';
import { WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'auto-lock passphrase';

describe('auto-lock in Chromium', () => {
  let h: Harness;
  let w: WalletPage;

  beforeAll(async () => {
    h = await startHarness({ idleMs: 2000, idleCheckMs: 250 });
    w = new WalletPage(await h.shell.openWallet());
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('locks after the idle time, and renderer calls do not keep it open', async () => {
    await w.button('Create a new wallet').click();
    await w.button('Create wallet').click();
    const prompt = await nextPrompt(h.shell, 'create');
    await fillCreate(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    // A hostile renderer calling in a loop does not count as a person's activity.
    const started = Date.now();
    while (Date.now() - started < 3500 && (await w.state().textContent()) === 'Unlocked') {
      await pageCall(w.page, 'kms', 'status', { probe: false });
      await new Promise((r) => setTimeout(r, 100));
    }
    await w.expectState('Locked');
    await w.note().filter({ hasText: 'inactivity' }).waitFor();
    await h.shot(w.page, '17-auto-locked-idle');
    const s = (await pageCall(w.page, 'kms', 'status', { probe: false })).result as { state: string };
    expect(s.state).toBe('locked');
  });

  it('a suspend locks at once', async () => {
    await w.button('Unlock').click();
    const prompt = await nextPrompt(h.shell, 'unlock');
    await fillUnlock(prompt, PASSPHRASE);
    await waitClosed(prompt);
    await w.expectState('Unlocked');
    expect(await h.shell.core.autoLock.suspend()).toBe(true);
    await w.expectState('Locked');
    await w.note().filter({ hasText: 'went to sleep' }).waitFor();
  });
});
