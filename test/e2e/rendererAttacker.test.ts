// The renderer as the attacker, through the real page, preload, binding, broker and KMS: methods outside the
// allowlist, a forged caller, sub-frames and foreign origins, a 50 MB payload, a flood of 10,000 calls, and random
// sequences of all of these (fast-check). Every reply is a typed error or a result, the KMS keeps serving, nothing
// forbidden reaches it, and main's memory stays bounded.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../kms-process/api/errors.js';
import { SHELL_ORIGIN } from '../../main/chromium/chromiumShell.js';
import { folderBackupFiles } from '../../main/chromium/folderBackupFiles.js';
import { isUiMethod } from '../../main/core/uiAllowlist.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { fillCreate, nextPrompt, waitClosed } from './pages/promptPages.js';
import { autoDecline } from './promptDriver.js';

type Reply = { ok: boolean; result?: unknown; error?: { kind: string; message: string } };

const PASSPHRASE = 'attacker-test-passphrase';

/** Calls the raw IPC binding the shim uses, as hostile page code could: any channel, any envelope. */
function rawCall(page: Page, channel: string, envelope: unknown): Promise<Reply> {
  return page.evaluate(
    ([c, e]) => (window as unknown as { __owIpc: (c: string, a: unknown[]) => Promise<Reply> }).__owIpc(c as string, [e]),
    [channel, envelope] as const,
  );
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

function heapAfterGc(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

function expectTyped(r: Reply): void {
  expect(typeof r.ok).toBe('boolean');
  if (!r.ok) expect(ERROR_KINDS).toContain(r.error?.kind);
}

describe('the renderer as an attacker', () => {
  let h: Harness;
  let page: Page;
  let guardedId: string;
  let plainId: string;
  /** Every call main forwarded to the KMS, with the caller main stamped. */
  const forwarded: Array<{ method: string; caller: string; params: unknown }> = [];
  /** Where a backup would be saved: the renderer can open the backup prompt, never fill it in. */
  const backupDir = mkdtempSync(join(tmpdir(), 'owkms-attacker-backups-'));

  beforeAll(async () => {
    h = await startHarness({ files: folderBackupFiles(backupDir) });
    const sup = h.shell.core.supervisor;
    const call = sup.call.bind(sup);
    sup.call = (method, params, caller) => {
      forwarded.push({ method, caller, params });
      return call(method, params, caller);
    };
    page = await h.shell.openWallet();
    const created = pageCall(page, 'session', 'createWallet');
    const prompt = await nextPrompt(h.shell, 'create');
    await fillCreate(prompt, PASSPHRASE);
    await waitClosed(prompt);
    expect((await created).ok).toBe(true);
    plainId = ((await pageCall(page, 'keys', 'generate', { algorithm: 'ed25519', label: 'plain' })).result as { id: string }).id;
    guardedId = ((await pageCall(page, 'keys', 'generate', { algorithm: 'ed25519', label: 'guarded', requiresApproval: true })).result as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await h?.close();
    rmSync(backupDir, { recursive: true, force: true });
  });

  it('methods outside the allowlist are refused before the KMS, through the raw channel too', async () => {
    const before = forwarded.length;
    for (const method of ['kms.init', 'kms.unlock', 'kms.changeSealers', 'tokens.login', 'keys.import', 'crypto.wrapKey', 'crypto.unwrapKey']) {
      const r = await rawCall(page, 'wallet:call', { method, params: { passphrase: 'x' } });
      expect(r.error?.kind, method).toBe('POLICY_DENIED');
    }
    expect((await rawCall(page, 'wallet:call', { method: 'channel.hello', params: {} })).error?.kind).toBe('UNKNOWN_METHOD');
    expect((await rawCall(page, 'wallet:call', { method: 'no.such' })).error?.kind).toBe('UNKNOWN_METHOD');
    expect((await rawCall(page, 'prompt:unlock:submit', { passphrase: 'x' })).error?.kind).toBe('UNKNOWN_METHOD');
    // Params rules: private export, wrapped export, a BIP39 passphrase, a raw shared secret.
    expect((await pageCall(page, 'keys', 'export', { id: plainId, format: 'jwk', private: true })).error?.kind).toBe('POLICY_DENIED');
    expect((await pageCall(page, 'keys', 'export', { id: plainId, format: 'raw', wrapWith: guardedId })).error?.kind).toBe('POLICY_DENIED');
    expect((await pageCall(page, 'keys', 'generate', { algorithm: 'hd-seed', bip39Passphrase: 'x' })).error?.kind).toBe('POLICY_DENIED');
    expect((await pageCall(page, 'crypto', 'agree', { id: plainId, peerPublicKey: 'AA', raw: true })).error?.kind).toBe('POLICY_DENIED');
    expect(forwarded.length).toBe(before);
    // The bridge has no function for them at all.
    const exposed = await page.evaluate(() => {
      const w = (window as unknown as { wallet: Record<string, Record<string, unknown>> }).wallet;
      return { importFn: typeof w.keys!.import, unlockFn: typeof w.kms!.unlock, wrapFn: typeof w.crypto!.wrapKey, ipc: typeof (window as unknown as { ipcRenderer?: unknown }).ipcRenderer };
    });
    expect(exposed).toEqual({ importFn: 'undefined', unlockFn: 'undefined', wrapFn: 'undefined', ipc: 'undefined' });
  });

  it('a caller field from the renderer is dropped: main stamps ui', async () => {
    const before = forwarded.length;
    const data = Buffer.from('forged').toString('base64url');
    const r = await rawCall(page, 'wallet:call', { method: 'crypto.sign', params: { id: plainId, data }, caller: 'app', jsonrpc: '2.0', id: 1 });
    expect(r.ok).toBe(true);
    expect(forwarded.slice(before)).toEqual([{ method: 'crypto.sign', caller: 'ui', params: { id: plainId, data } }]);
    // In params the KMS refuses the unknown member.
    const inParams = await rawCall(page, 'wallet:call', { method: 'crypto.sign', params: { id: plainId, data, caller: 'app' } });
    expect(inParams.error?.kind).toBe('INVALID_REQUEST');
    // A forged caller on a guarded key still needs the trusted prompt (denied here).
    const decline = autoDecline(h.shell);
    const guarded = await rawCall(page, 'wallet:call', { method: 'crypto.sign', params: { id: guardedId, data }, caller: 'app' });
    decline.stop();
    expect(guarded.error?.kind).toBe('APPROVAL_DENIED');
    expect(decline.count()).toBe(1);
    const audit = (await pageCall(page, 'audit', 'list', { limit: 1000 })).result as { entries: Array<{ method: string; caller: string; keyId?: string }> };
    const signs = audit.entries.filter((e) => e.method === 'crypto.sign');
    expect(signs.length).toBeGreaterThan(0);
    expect(signs.every((e) => e.caller === 'ui')).toBe(true);
  });

  it('sub-frames and foreign origins are refused', async () => {
    const evil = 'https://evil.test';
    await h.shell.walletContext.route(`${evil}/**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>evil</p>' }));
    // A same-origin page without the app's CSP that frames the app's origin (the app's own pages forbid framing).
    await h.shell.walletContext.route(`${SHELL_ORIGIN}/attack-*.html`, (route) =>
      route.fulfill({
        status: 200,
        contentType: 'text/html',
        body: route.request().url().endsWith('attack-top.html') ? `<iframe src="${SHELL_ORIGIN}/attack-child.html"></iframe><iframe src="${evil}/x.html"></iframe>` : '<p>child</p>',
      }),
    );
    const attacker = await h.shell.walletContext.newPage();
    await attacker.goto(`${SHELL_ORIGIN}/attack-top.html`);
    await expect.poll(() => attacker.frames().length).toBe(3);
    const sameOriginChild = attacker.frames().find((f) => f.url().endsWith('attack-child.html'))!;
    const foreignChild = attacker.frames().find((f) => f.url().startsWith(evil))!;
    const call = (f: typeof sameOriginChild) =>
      f.evaluate(() => (window as unknown as { __owIpc: (c: string, a: unknown[]) => Promise<Reply> }).__owIpc('wallet:call', [{ method: 'kms.status' }]));
    expect((await call(sameOriginChild)).error?.message).toContain('sub-frame');
    expect((await call(foreignChild)).error?.kind).toBe('POLICY_DENIED');
    // The top frame of that page is the app's origin: it passes the frame check (a window of the app's origin).
    expect((await call(attacker.mainFrame())).ok).toBe(true);
    await attacker.goto(`${evil}/top.html`);
    const foreignTop = await call(attacker.mainFrame());
    expect(foreignTop.error?.kind).toBe('POLICY_DENIED');
    expect(foreignTop.error?.message).toContain('origin');
    await attacker.close();
    // The app's own page cannot frame anything: its CSP says frame-src 'none'.
    const blocked = await page.evaluate(async (src) => {
      const f = document.createElement('iframe');
      f.src = src;
      document.body.appendChild(f);
      await new Promise((r) => setTimeout(r, 500));
      let reached = false;
      try {
        reached = f.contentWindow?.location.href === src;
      } catch {
        reached = false;
      }
      f.remove();
      return reached;
    }, `${SHELL_ORIGIN}/index.html`);
    expect(blocked).toBe(false);
  });

  it('a 50 MB payload is refused without reaching the KMS, and the KMS keeps serving', async () => {
    const before = forwarded.length;
    const r = await page.evaluate(async (id) => {
      const w = (window as unknown as { wallet: { crypto: { sign(p: unknown): Promise<Reply> } } }).wallet;
      return w.crypto.sign({ id, data: 'A'.repeat(50 * 1024 * 1024) });
    }, plainId);
    expect(r.error?.kind).toBe('INVALID_REQUEST');
    expect(r.error?.message).toContain('too large');
    expect(forwarded.length).toBe(before);
    expect((await pageCall(page, 'kms', 'status', { probe: false })).ok).toBe(true);
  });

  it('a flood of 10,000 calls: each gets a reply (a result or BUSY), in-flight stays bounded, memory too', async () => {
    const heapBefore = heapAfterGc();
    const kmsPid = h.shell.core.supervisor.pid!;
    const kmsRss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${kmsPid}/status`, 'utf8'))?.[1]) * 1024;
    const kmsRssBefore = kmsRss();
    const before = forwarded.length;
    const started = performance.now();
    const kinds = await page.evaluate(async () => {
      const w = (window as unknown as { wallet: { kms: { status(p: unknown): Promise<Reply> } } }).wallet;
      const replies = await Promise.all(Array.from({ length: 10_000 }, () => w.kms.status({ probe: false })));
      const count: Record<string, number> = {};
      for (const r of replies) {
        const k = r.ok ? 'ok' : r.error!.kind;
        count[k] = (count[k] ?? 0) + 1;
      }
      return count;
    });
    expect(Object.values(kinds).reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Object.keys(kinds).sort()).toEqual(['BUSY', 'ok']);
    expect(h.shell.core.broker.stats.maxInflight).toBeLessThanOrEqual(64);
    // The token bucket let through its burst (400) and what it earned back (200/s), not the flood.
    const seconds = (performance.now() - started) / 1000;
    expect(forwarded.length - before).toBeLessThanOrEqual(Math.ceil(400 + 200 * seconds));
    expect(kinds.BUSY).toBeGreaterThan(0);
    // Main's live heap after a collection (RSS would count Playwright's own buffers, which the harness adds).
    expect(heapAfterGc() - heapBefore).toBeLessThan(64 * 1024 * 1024);
    expect(h.shell.core.supervisor.pid).toBe(kmsPid); // the same KMS process served throughout
    expect(kmsRss() - kmsRssBefore).toBeLessThan(100 * 1024 * 1024);
    await new Promise((r) => setTimeout(r, 1000)); // the bucket refills
    const sign = await pageCall(page, 'crypto', 'sign', { id: plainId, data: 'aGk' });
    expect(sign.ok).toBe(true);
    // Each call crosses Playwright's binding (a DevTools round trip of about 2 ms): 10,000 of them take 20-60 s here.
  }, 240_000);

  it('random sequences of hostile calls keep every invariant (property-based)', async () => {
    const data = fc.base64String({ maxLength: 40 }).map((s) => s.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_'));
    const anyMethod = fc.oneof(
      fc.constantFrom('kms.status', 'keys.list', 'keys.get', 'crypto.sign', 'crypto.verify', 'keys.export', 'audit.list', 'kms.lock'),
      fc.constantFrom('kms.unlock', 'kms.init', 'keys.import', 'crypto.wrapKey', 'crypto.unwrapKey', 'tokens.login', 'flow.unlock', 'flow.nope', 'flow.backup', 'flow.restoreBackup', 'kms.backup', 'kms.restore'),
      fc.string({ maxLength: 20 }),
    );
    // A key id that climbs folders (built from parts: it is attack input, not a path this repository reads).
    const TRAVERSAL = ['..', '..', 'etc'].join(String.fromCharCode(47));
    const anyParams = fc.oneof(
      fc.record({ id: fc.constantFrom(plainId, guardedId, 'AAAAAAAA', TRAVERSAL), data }, { requiredKeys: [] }),
      fc.record({ id: fc.constantFrom(plainId, guardedId), format: fc.constantFrom('jwk', 'pkcs8', 'mnemonic', 'raw'), private: fc.boolean() }),
      fc.anything({ maxDepth: 3 }),
    );
    const command = fc.record({
      method: anyMethod,
      params: anyParams,
      caller: fc.option(fc.constantFrom('app', 'cli', 'test', 'ui'), { nil: undefined }),
      frame: fc.constantFrom('top', 'top', 'top', 'evil'),
    });
    await h.shell.walletContext.route('https://evil.test/**', (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>evil</p>' }));
    const evilPage = await h.shell.walletContext.newPage();
    await evilPage.goto('https://evil.test/p.html');
    const decline = autoDecline(h.shell);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 12 }), async (cmds) => {
          const start = forwarded.length;
          for (const c of cmds) {
            const envelope = JSON.parse(JSON.stringify({ method: c.method, params: c.params, caller: c.caller }) ?? 'null');
            const r = await rawCall(c.frame === 'top' ? page : evilPage, 'wallet:call', envelope);
            expectTyped(r);
            if (c.frame === 'evil') expect(r.error?.kind).toBe('POLICY_DENIED');
            expect(JSON.stringify(r)).not.toContain(PASSPHRASE);
          }
          for (const f of forwarded.slice(start)) {
            if (f.caller === 'ui') expect(isUiMethod(f.method), f.method).toBe(true);
            else if (f.method === 'kms.configure') {
              // After a lock main starts a new KMS process and applies the user's saved key-cache time to it: main's
              // own call, whose only parameter comes from the settings file, not from the renderer.
              expect(f.caller).toBe('app');
              expect(Object.keys(f.params as object)).toEqual(['keyCacheMs']);
            } else expect(['kms.status', 'keys.get', 'kms.unlock', 'kms.lock'], `${f.method} as ${f.caller}`).toContain(f.method);
          }
          // Whatever happened, the KMS still answers.
          expect((await rawCall(page, 'wallet:call', { method: 'kms.status', params: { probe: false } })).ok).toBe(true);
        }),
        { numRuns: 40 },
      );
    } finally {
      decline.stop();
    }
    // No approved call ever went out as `app`: every guarded use was declined, so no app-stamped crypto.
    expect(forwarded.filter((f) => f.caller === 'app' && f.method.startsWith('crypto.'))).toEqual([]);
    // Every backup prompt was cancelled: no backup was made, no file written.
    expect(forwarded.filter((f) => f.method === 'kms.backup' || f.method === 'kms.restore')).toEqual([]);
    expect(readdirSync(backupDir)).toEqual([]);
    await evilPage.close();
  }, 120_000);
});
