// The e2e harness: the Chromium shell (real renderer, real preloads over the shim, real main/core, a real KMS child)
// over a fresh keystore, and screenshots under test-results/e2e/.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ChromiumShell, type ChromiumShellOptions } from '../../main/chromium/chromiumShell.js';
import { removeDir, tempDir } from '../helpers/kms.js';

export const SCREENSHOTS = join(process.cwd(), 'test-results', 'e2e');

export interface Harness {
  shell: ChromiumShell;
  dir: string;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(opts: Partial<ChromiumShellOptions> = {}): Promise<Harness> {
  const dir = opts.storeDir ?? tempDir('owkms-e2e-');
  const shell = await ChromiumShell.launch({ ...opts, storeDir: dir });
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    shell,
    dir,
    shot: async (page, name) => {
      await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
    },
    close: async () => {
      await shell.close();
      if (!opts.storeDir) removeDir(dir);
    },
  };
}

/** Evaluate a call on window.wallet in the page and return the reply envelope. */
export function pageCall(page: Page, ns: string, fn: string, params?: unknown): Promise<{ ok: boolean; result?: unknown; error?: { kind: string; message: string } }> {
  return page.evaluate(
    ([n, f, p]) => (window as unknown as Record<string, Record<string, Record<string, (p?: unknown) => Promise<never>>>>).wallet![n as string]![f as string]!(p),
    [ns, fn, params] as const,
  );
}
