// The app as the local key service (issue 16): while it runs, owkms in a terminal uses its KMS over the agent's
// socket. Without a session token, a terminal session gets `cli` rights only when the person approves it in the
// app's trusted prompt; a burst of commands in that session asks once; a guarded key asks each time; another
// session is refused when denied; a lock ends every approved session. Signatures are checked by node:crypto.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { OWKMS_BIN } from '../helpers/owkms.js';
import { removeDir, tempDir } from '../helpers/kms.js';
import { startHarness, type Harness } from './harness.js';
import { nextPrompt, waitClosed } from './pages/promptPages.js';

const PASSPHRASE = 'app agent passphrase';

/** A shell in a session of its own (like a terminal window): commands run one after another in that session. */
class TerminalSession {
  private readonly sh: ChildProcessWithoutNullStreams;
  private out = '';
  private waiters: Array<() => void> = [];

  constructor(env: Record<string, string>) {
    this.sh = spawn('sh', [], { env, detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.sh.stdout.on('data', (b: Buffer) => {
      this.out += b.toString('utf8');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  /** Runs `owkms --json ARGS` with `stdin` and resolves its exit code and JSON answer. */
  async owkms(args: string[], stdin = ''): Promise<{ code: number; json: Record<string, unknown> }> {
    const marker = `@@done-${Math.random().toString(36).slice(2)}`;
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    this.sh.stdin.write(`printf '%s' '${stdin}' | '${process.execPath}' '${OWKMS_BIN}' --json ${quoted}; c=$?; echo; echo "${marker} $c"\n`);
    for (;;) {
      const at = this.out.indexOf(marker);
      if (at >= 0) {
        const end = this.out.indexOf('\n', at);
        if (end >= 0) {
          const body = this.out.slice(0, at).trim();
          const code = Number(this.out.slice(at + marker.length, end).trim());
          this.out = this.out.slice(end + 1);
          return { code, json: JSON.parse(body) as Record<string, unknown> };
        }
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  close(): void {
    this.sh.stdin.end();
    this.sh.kill();
  }
}

function verifies(key: KeyInfo, message: string, signature: unknown): boolean {
  const pub = createPublicKey({ key: key.publicKey!.jwk as never, format: 'jwk' });
  return verify(null, Buffer.from(message), pub, Buffer.from(String(signature), 'base64url'));
}

async function answer(page: Page, button: 'Approve' | 'Deny'): Promise<void> {
  await page.getByRole('button', { name: button }).click();
  await waitClosed(page);
}

describe('the app serves owkms over its agent socket', () => {
  let h: Harness;
  let runDir: string;
  let env: Record<string, string>;
  let plain: KeyInfo;
  let guarded: KeyInfo;
  const app = (method: string, params: unknown) => h.shell.core.supervisor.call(method, params, 'app');

  beforeAll(async () => {
    runDir = tempDir('owkms-app-run-');
    const socket = join(runDir, 'owkms', 'agent.sock');
    h = await startHarness({ agentSocket: socket });
    await app('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    h.shell.core.autoLock.setUnlocked(true); // what the create flow tells main (the window's onboarding is tested elsewhere)
    plain = (await app('keys.generate', { algorithm: 'ed25519', label: 'deploy', callers: ['app', 'cli'] })) as KeyInfo;
    guarded = (await app('keys.generate', { algorithm: 'ed25519', label: 'release', callers: ['app', 'cli'], requiresApproval: true })) as KeyInfo;
    env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: runDir, OWKMS_STORE: h.dir, OWKMS_SOCKET: socket };
  }, 90_000);

  afterAll(async () => {
    await h?.close();
    if (runDir) removeDir(runDir);
  });

  it('asks once per terminal session, in the trusted prompt; a guarded key asks each time', async () => {
    const term = new TerminalSession(env);
    try {
      const first = term.owkms(['sign', plain.id], 'first');
      const ask = await nextPrompt(h.shell, 'approval');
      await ask.getByText('Allow a command-line session').waitFor();
      await ask.getByText(/terminal session \d+/).waitFor();
      await h.shot(ask, '30-app-agent-session-prompt');
      await answer(ask, 'Approve');
      const signed = await first;
      expect(signed.code, JSON.stringify(signed.json)).toBe(0);
      expect(verifies(plain, 'first', signed.json.signature)).toBe(true);

      // The same session: no prompt (the next prompt to open is the guarded key's).
      const second = await term.owkms(['sign', plain.id], 'second');
      expect(second.code).toBe(0);
      expect(verifies(plain, 'second', second.json.signature)).toBe(true);

      const release = term.owkms(['sign', guarded.id], 'release 1.0');
      const use = await nextPrompt(h.shell, 'approval');
      await use.getByText('Use a key from the command line').waitFor();
      await use.getByText('release', { exact: false }).first().waitFor();
      await answer(use, 'Approve');
      const r = await release;
      expect(r.code).toBe(0);
      expect(verifies(guarded, 'release 1.0', r.json.signature)).toBe(true);

      const refused = term.owkms(['sign', guarded.id], 'not this one');
      await answer(await nextPrompt(h.shell, 'approval'), 'Deny');
      const no = await refused;
      expect(no.code).toBe(1);
      expect((no.json.error as { kind: string }).kind).toBe('APPROVAL_DENIED');
    } finally {
      term.close();
    }
  });

  it('an approved session still asks before a key is deleted or a private key exported', async () => {
    const term = new TerminalSession(env);
    try {
      const made = term.owkms(['keys', 'generate', '--alg', 'p256', '--label', 'scratch', '--exportable']);
      await answer(await nextPrompt(h.shell, 'approval'), 'Approve'); // the session itself
      const key = await made; // generating is routine: no second prompt
      expect(key.code).toBe(0);
      const id = String(key.json.id);

      const exported = term.owkms(['keys', 'export', id, '--private', '--format', 'pkcs8']);
      const ask = await nextPrompt(h.shell, 'approval');
      await ask.getByText('scratch').first().waitFor();
      await answer(ask, 'Deny');
      expect((await exported).json.error).toMatchObject({ kind: 'APPROVAL_DENIED' });

      const deleted = term.owkms(['keys', 'delete', id]);
      await answer(await nextPrompt(h.shell, 'approval'), 'Approve');
      expect((await deleted).code).toBe(0);
      expect(((await term.owkms(['keys', 'show', id])).json.error as { kind: string }).kind).toBe('NOT_FOUND');
    } finally {
      term.close();
    }
  });

  it('another terminal session is refused when the person denies it', async () => {
    const term = new TerminalSession(env);
    try {
      const run = term.owkms(['keys', 'list']);
      await answer(await nextPrompt(h.shell, 'approval'), 'Deny');
      const r = await run;
      expect(r.code).toBe(1);
      expect((r.json.error as { kind: string }).kind).toBe('POLICY_DENIED');
    } finally {
      term.close();
    }
  });

  it('owkms lock through a session locks the app (its window hears it) and ends every approved session', async () => {
    const term = new TerminalSession(env);
    try {
      const first = term.owkms(['keys', 'list']);
      await answer(await nextPrompt(h.shell, 'approval'), 'Approve');
      expect((await first).code).toBe(0);
      const before = h.shell.received.length;
      expect((await term.owkms(['lock'])).json).toEqual({ state: 'locked' });
      expect(h.shell.received.slice(before).some((m) => m.json.includes('"locked"'))).toBe(true);

      await app('kms.unlock', { passphrase: PASSPHRASE });
      h.shell.core.autoLock.setUnlocked(true);
      // Unlocked again, but the session's approval went with the lock: it is asked again.
      const again = term.owkms(['keys', 'list']);
      await answer(await nextPrompt(h.shell, 'approval'), 'Deny');
      expect((await again).code).toBe(1);
    } finally {
      term.close();
    }
  });

  it('a locked wallet asks no one: the session is refused without a prompt', async () => {
    await app('kms.lock', {});
    const term = new TerminalSession(env);
    try {
      const r = await term.owkms(['keys', 'list']);
      expect(r.code).toBe(1);
      expect((r.json.error as { kind: string }).kind).toBe('POLICY_DENIED');
    } finally {
      term.close();
    }
  });
});
