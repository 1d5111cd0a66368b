// electronegativity on main/ finds nothing outside the commented allowlist, and the same check fails on a window
// that turns the protections off (so it can fail).
import { execFile } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../../helpers/kms.js';

const run = promisify(execFile);
const script = join(process.cwd(), 'scripts', 'electronegativity.mjs');

async function check(dir: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout } = await run(process.execPath, [script, dir]);
    return { code: 0, out: stdout };
  } catch (e) {
    const err = e as { code: number; stdout: string };
    return { code: err.code, out: err.stdout };
  }
}

describe('electronegativity', () => {
  const bad = tempDir('owkms-electronegativity-');
  afterAll(() => removeDir(bad));

  it('main/ has no finding outside the allowlist', async () => {
    const r = await check('main');
    expect(r.out).toMatch(/electronegativity: \d+ findings, \d+ allowed, 0 not allowed/);
    expect(r.code).toBe(0);
  });

  it('a window with Node integration and no isolation fails the check', async () => {
    mkdirSync(join(bad, 'electron'));
    writeFileSync(
      join(bad, 'electron', 'index.ts'),
      "import { BrowserWindow } from 'electron';\nexport const w = new BrowserWindow({ webPreferences: { nodeIntegration: true, contextIsolation: false, sandbox: false, webSecurity: false } });\n",
    );
    const r = await check(bad);
    expect(r.code).toBe(1);
    // Same file name as the real shell, but the window is not built from settings.ts: no allowance applies.
    expect(r.out).toMatch(/FINDING {2}CONTEXT_ISOLATION_JS_CHECK {2}electron\/index.ts/);
    expect(r.out).toMatch(/FINDING {2}SANDBOX_JS_CHECK {2}electron\/index.ts/);
    expect(r.out).toMatch(/FINDING {2}WEB_SECURITY_JS_CHECK/);
  });
});
