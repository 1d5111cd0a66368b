// The broker under Node against a real KMS: the frame check, the allowlist, the caller main stamps, approvals
// (approved, declined, queued past the bound, timed out), and the result guard when the KMS misbehaves.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_KINDS } from '../../../kms-process/api/errors.js';
import { ApprovalQueue } from '../../../main/core/approvalQueue.js';
import { Broker } from '../../../main/core/broker.js';
import type { TrustedFlows } from '../../../main/core/trustedFlows.js';
import { isUiMethod } from '../../../main/core/uiAllowlist.js';
import type { WalletReply } from '../../../main/core/wire.js';
import { ORIGIN, TOP, startCore, type CoreFixture } from './brokerFixture.js';
import { cancel, ScriptedPrompts, submit } from './scriptedPrompts.js';

const PASS = 'broker test passphrase';
const b64u = (s: string) => Buffer.from(s).toString('base64url');

function ok(r: WalletReply): unknown {
  if (!r.ok) throw new Error(`${r.error.kind}: ${r.error.message}`);
  return r.result;
}

describe('the broker with a real KMS', () => {
  let f: CoreFixture;
  let plain: string;
  let guarded: string;
  const call = (method: string, params?: unknown, sender = TOP) => f.core.broker.handle(sender, { method, params });

  beforeAll(async () => {
    f = await startCore({ approvals: { maxQueued: 2, timeoutMs: 300 } });
    f.prompts.script('create', () => submit({ passphrase: PASS, confirm: PASS }));
    ok(await call('flow.createWallet'));
    plain = (ok(await call('keys.generate', { algorithm: 'ed25519', label: 'plain' })) as { id: string }).id;
    guarded = (ok(await call('keys.generate', { algorithm: 'ed25519', label: 'guarded', requiresApproval: true })) as { id: string }).id;
  });

  afterAll(async () => {
    await f?.close();
  });

  it('forwards allowed calls as ui', async () => {
    const before = f.forwarded.length;
    expect(ok(await call('crypto.sign', { id: plain, data: b64u('x') }))).toHaveProperty('signature');
    expect(f.forwarded.slice(before)).toEqual([{ method: 'crypto.sign', caller: 'ui' }]);
  });

  it('a guarded key: the prompt shows label, algorithm, caller and the message; approved goes as app', async () => {
    f.prompts.script('approval', () => submit());
    const before = f.forwarded.length;
    const r = await call('crypto.sign', { id: guarded, data: b64u('Pay Bob') });
    expect(ok(r)).toHaveProperty('signature');
    expect(f.forwarded.slice(before)).toEqual([
      { method: 'crypto.sign', caller: 'ui' },
      { method: 'keys.get', caller: 'app' },
      { method: 'crypto.sign', caller: 'app' },
    ]);
    expect(f.prompts.shown.at(-1)).toMatchObject({ kind: 'approval', view: { keyLabel: 'guarded', algorithm: 'ed25519', caller: 'ui', what: { kind: 'message', text: 'Pay Bob' } } });
  });

  it('declined, or not answered in time: APPROVAL_DENIED and nothing goes as app', async () => {
    f.prompts.script('approval', () => cancel);
    f.prompts.script('approval', () => new Promise(() => undefined)); // nobody answers
    for (let i = 0; i < 2; i++) {
      const before = f.forwarded.length;
      const r = await call('crypto.sign', { id: guarded, data: b64u('Pay Mallory') });
      expect(r.ok ? 'ok' : r.error.kind).toBe('APPROVAL_DENIED');
      expect(f.forwarded.slice(before).filter((x) => x.method === 'crypto.sign').map((x) => x.caller)).toEqual(['ui']);
    }
  });

  it('approvals queue one at a time, and past the bound the renderer gets BUSY', async () => {
    const answers: Array<() => void> = [];
    for (let i = 0; i < 3; i++) f.prompts.script('approval', () => new Promise((r) => answers.push(() => r(submit()))));
    const replies = [0, 1, 2].map(() => call('crypto.sign', { id: guarded, data: b64u('queued') }));
    const third = await replies[2]!;
    expect(third.ok ? 'ok' : third.error.kind).toBe('BUSY');
    await new Promise((r) => setTimeout(r, 50));
    expect(answers).toHaveLength(1); // one prompt open at a time
    answers[0]!();
    await new Promise((r) => setTimeout(r, 100));
    answers[1]!();
    expect((await replies[0]!).ok).toBe(true);
    expect((await replies[1]!).ok).toBe(true);
  });

  it('one trusted flow at a time: a second one while a window waits is BUSY and opens nothing; settings are still read', async () => {
    let answer: (() => void) | undefined;
    f.prompts.script('restore', () => new Promise((r) => (answer = () => r(cancel))));
    const first = call('flow.restoreSeed', {});
    await new Promise((r) => setTimeout(r, 50));
    const opened = f.prompts.opened;
    for (const method of ['flow.restoreSeed', 'flow.importKey', 'flow.createSeed', 'flow.unlock', 'flow.tokenLogin']) {
      const r = await call(method, method === 'flow.tokenLogin' ? { token: 't' } : method === 'flow.unlock' ? undefined : {});
      expect(r.ok ? 'ok' : r.error.kind, method).toBe('BUSY');
    }
    expect(f.prompts.opened).toBe(opened);
    const settings = await call('flow.getSettings'); // it opens no window
    expect(settings.ok ? 'ok' : settings.error.kind).toBe('ok');
    answer!();
    expect(ok(await first)).toEqual({ restored: false });
    // Once it ended, the next flow runs (and even one that failed frees the slot).
    const bad = await call('flow.tokenLogin', { token: 7 });
    expect(bad.ok ? 'ok' : bad.error.kind).toBe('INVALID_REQUEST');
    f.prompts.script('restore', () => cancel);
    expect(ok(await call('flow.restoreSeed', {}))).toEqual({ restored: false });
  });

  it('refuses frames that are not the app top-level frame', async () => {
    for (const sender of [
      { ...TOP, isMainFrame: false },
      { ...TOP, frameUrl: 'https://evil.test/' },
      { ...TOP, frameUrl: 'app://wallet.evil/index.html' },
      { ...TOP, frameUrl: undefined },
    ]) {
      const r = await call('kms.status', {}, sender);
      expect(r.ok ? 'ok' : r.error.kind).toBe('POLICY_DENIED');
    }
  });

  it('random requests (property): typed replies; only allowlisted methods reach the KMS as ui; app only for status and approvals', async () => {
    const request = fc.oneof(
      fc.record({ method: fc.constantFrom('kms.status', 'keys.list', 'crypto.sign', 'keys.export', 'kms.unlock', 'keys.import', 'crypto.wrapKey', 'flow.nope', 'kms.lock'), params: fc.anything({ maxDepth: 2 }), caller: fc.constantFrom('app', 'cli', undefined) }),
      fc.record({ method: fc.constant('crypto.sign'), params: fc.record({ id: fc.constantFrom(plain, guarded), data: fc.constantFrom('aGk', '!!') }) }),
      fc.anything({ maxDepth: 3 }),
    );
    f.prompts.script('approval', () => cancel);
    await fc.assert(
      fc.asyncProperty(fc.array(request, { maxLength: 10 }), async (reqs) => {
        const start = f.forwarded.length;
        for (const r of reqs) {
          for (let i = 0; i < 2; i++) f.prompts.script('approval', () => cancel);
          f.prompts.script('unlock', () => cancel);
          const reply = await f.core.broker.handle(TOP, r);
          expect(typeof reply.ok).toBe('boolean');
          if (!reply.ok) expect(ERROR_KINDS).toContain(reply.error.kind);
          expect(JSON.stringify(reply)).not.toContain(PASS);
        }
        for (const x of f.forwarded.slice(start)) {
          if (x.caller === 'ui') expect(isUiMethod(x.method)).toBe(true);
          // app: status, the approval's keys.get, and the key-cache setting main gives each new KMS process (a lock
          // replaces the process, issue 13).
          else expect(['kms.status', 'keys.get', 'kms.configure']).toContain(x.method);
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('the broker when the KMS misbehaves', () => {
  const prompts = new ScriptedPrompts();
  const flows = {} as TrustedFlows;
  const answers: Record<string, unknown> = {
    'keys.export': { format: 'jwk', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'SECRET' } },
    'keys.get': { id: 'k', label: 'l', algorithm: 'ed25519', mnemonic: 'abandon abandon' },
    'crypto.agree': { sharedSecret: 'AAAA' },
    'keys.list': { keys: [] },
  };
  const broker = new Broker({
    appOrigin: ORIGIN,
    kms: {
      call: async (method) => {
        if (method === 'kms.status') throw new Error('a library message that quotes a Secret-123');
        return answers[method];
      },
    },
    approvals: new ApprovalQueue(prompts),
    flows,
  });

  it('withholds any answer that carries secret material, whatever the KMS sent', async () => {
    for (const [method, params] of [
      ['keys.export', { id: 'kkkkkkkk', format: 'jwk' }],
      ['keys.get', { id: 'kkkkkkkk' }],
      ['crypto.agree', { id: 'kkkkkkkk', peerPublicKey: 'AA' }],
    ] as const) {
      const r = await broker.handle(TOP, { method, params });
      expect(r).toEqual({ ok: false, error: { kind: 'INTERNAL', message: 'the answer carried secret material and was withheld' } });
      expect(JSON.stringify(r)).not.toMatch(/SECRET|abandon|AAAA/);
    }
    expect(await broker.handle(TOP, { method: 'keys.list', params: {} })).toEqual({ ok: true, result: { keys: [] } });
  });

  it('an unexpected exception is INTERNAL with a fixed message, never its own text', async () => {
    expect(await broker.handle(TOP, { method: 'kms.status', params: {} })).toEqual({ ok: false, error: { kind: 'INTERNAL', message: 'internal error in main' } });
  });
});
