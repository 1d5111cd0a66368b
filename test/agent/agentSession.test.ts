// The local agent as owkms sees it: one-shot commands become sessions with a running agent, cli rights need the
// session token, the agent names callers itself, other users are refused at the socket (file modes, then
// SO_PEERCRED), and the wallet locks after the idle time.
import { verify, createPublicKey } from 'node:crypto';
import { chmodSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { agentSession } from '../../cli/session.js';
import { startAgent, type TestAgent } from '../helpers/agent.js';
import { jsonOut, owkms } from '../helpers/owkms.js';
import { requireTool, runTool } from '../services/tools.js';

let agent: TestAgent;
let key: KeyInfo;

/** Send lines on a fresh connection to the agent; the answers, one per line sent (or until the agent hangs up). */
function exchange(socket: string, lines: object[]): Promise<Array<Record<string, unknown>>> {
  return new Promise((resolve, reject) => {
    const s = connect(socket);
    let buf = '';
    const answers: Array<Record<string, unknown>> = [];
    s.on('data', (b) => {
      buf += b.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        answers.push(JSON.parse(buf.slice(0, nl)) as Record<string, unknown>);
        buf = buf.slice(nl + 1);
      }
      if (answers.length === lines.length) s.end();
    });
    s.on('close', () => resolve(answers));
    s.on('error', reject);
    s.write(lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
  });
}

const kindOf = (answer: Record<string, unknown> | undefined) => ((answer?.error as { data?: { kind?: string } } | undefined)?.data?.kind);

beforeAll(async () => {
  agent = await startAgent();
  key = await agent.generate('ed25519', 'session-key', { callers: ['cli'] });
});

afterAll(async () => {
  await agent?.cleanup();
});

describe('owkms sessions with a running agent', () => {
  it('owkms sign goes to the agent (a one-shot KMS could not even open the keystore the agent holds)', async () => {
    const r = await owkms(['--json', 'sign', key.id], { env: agent.env, stdin: 'through the agent' });
    expect(r.code, r.stderr).toBe(0);
    const { signature } = jsonOut<{ signature: string }>(r);
    const pub = createPublicKey({ key: key.publicKey!.jwk as never, format: 'jwk' });
    expect(verify(null, Buffer.from('through the agent'), pub, Buffer.from(signature, 'base64url'))).toBe(true);
    const oneShot = await owkms(['--json', 'sign', key.id], { env: { ...agent.env, OWKMS_NO_AGENT: '1' }, stdin: 'x' });
    expect(oneShot.code).toBe(1);
    expect(jsonOut<{ error: { kind: string } }>(oneShot).error.kind).toBe('BUSY');
  });

  it('cli rights need the session token: none or a wrong one is POLICY_DENIED', async () => {
    for (const session of ['', 'not-the-token']) {
      const r = await owkms(['--json', 'keys', 'list'], { env: { ...agent.env, OWKMS_SESSION: session } });
      expect(r.code).toBe(1);
      expect(jsonOut<{ error: { kind: string; message: string } }>(r).error).toMatchObject({ kind: 'POLICY_DENIED' });
    }
  });

  it('the agent names the caller: a request that names one is refused; the pkcs11 role reaches no KMS method', async () => {
    const hello = { jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { role: 'cli', session: agent.session } };
    const [ok, named] = await exchange(agent.socket, [hello, { jsonrpc: '2.0', id: 2, method: 'keys.list', params: {}, caller: 'app' }]);
    expect(ok!.result).toMatchObject({ role: 'cli', store: agent.store });
    expect(kindOf(named)).toBe('POLICY_DENIED');
    const p11 = { jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { role: 'pkcs11' } };
    const [, exported, listed] = await exchange(agent.socket, [
      p11,
      { jsonrpc: '2.0', id: 2, method: 'keys.export', params: { id: key.id, format: 'jwk', private: true } },
      { jsonrpc: '2.0', id: 3, method: 'kms.changeSealers', params: {} },
    ]);
    expect(kindOf(exported)).toBe('INVALID_REQUEST');
    expect(kindOf(listed)).toBe('INVALID_REQUEST');
    // Before a successful hello nothing else is answered, and three failures end the connection.
    const answers = await exchange(agent.socket, [1, 2, 3, 4].map((id) => ({ jsonrpc: '2.0', id, method: 'keys.list', params: {} })));
    expect(answers.length).toBeLessThanOrEqual(3);
    expect(answers.every((a) => kindOf(a) === 'POLICY_DENIED')).toBe(true);
  });

  it("another user's process (nobody) is refused: by the socket's mode, and by SO_PEERCRED when the mode would let it in", async () => {
    const setpriv = requireTool('setpriv');
    const asNobody = ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e',
      `const s=require('net').connect(process.argv[1]);s.on('error',e=>{console.log('error '+e.code);});s.on('data',d=>process.stdout.write(d));s.on('close',()=>console.log('closed'));s.write(JSON.stringify({jsonrpc:'2.0',id:1,method:'agent.hello',params:{role:'pkcs11'}})+'\\n');`,
      agent.socket];
    const blocked = await runTool(setpriv, asNobody, { timeoutMs: 10_000 });
    expect(blocked.stdout).toMatch(/error EACCES/);
    // Open the folder and the socket to everyone: the kernel's peer credentials still say who it is.
    chmodSync(dirname(agent.socket), 0o711);
    chmodSync(dirname(dirname(agent.socket)), 0o711);
    chmodSync(agent.dir, 0o711);
    chmodSync(agent.socket, 0o666);
    try {
      const refused = await runTool(setpriv, asNobody, { timeoutMs: 10_000 });
      expect(refused.stdout).toContain('the agent serves its own user only');
      expect(refused.stdout).toContain('POLICY_DENIED');
      expect(refused.stdout).not.toContain('"result"');
      expect(refused.stdout).toContain('closed');
    } finally {
      chmodSync(agent.socket, 0o600);
      chmodSync(dirname(agent.socket), 0o700);
    }
  });

  it('the service commands: pkcs11 set-pin, keys generate / update --callers, pkcs11 module-path, lock and unlock', async () => {
    const run = (args: string[], extra: Record<string, string> = {}, stdin?: string) => owkms(['--json', ...args], { env: { ...agent.env, ...extra }, ...(stdin ? { stdin } : {}) });
    const pin = await run(['pkcs11', 'set-pin'], { OWKMS_PKCS11_PIN: '8642' });
    expect(jsonOut(pin)).toMatchObject({ set: true, retriesLeft: 5 });
    const made = jsonOut<KeyInfo>(await run(['keys', 'generate', '--alg', 'p256', '--label', 'opted', '--callers', 'cli,pkcs11']));
    expect(made.callers).toEqual(['cli', 'pkcs11']);
    const updated = jsonOut<KeyInfo>(await run(['keys', 'update', made.id, '--callers', 'cli']));
    expect(updated.callers).toEqual(['cli']);
    const bad = await run(['keys', 'generate', '--alg', 'p256', '--callers', 'cli,root']);
    expect(bad.code).toBe(2); // a usage error, found before anything reaches the agent
    expect(jsonOut<{ error: { kind: string } }>(bad).error.kind).toBe('INVALID_REQUEST');
    const path = jsonOut<{ path: string }>(await run(['pkcs11', 'module-path']));
    expect(path.path).toBe(agent.modulePath);
    expect(jsonOut(await run(['lock']))).toEqual({ state: 'locked' });
    expect(jsonOut<{ state: string }>(await run(['status'])).state).toBe('locked');
    const refused = await owkms(['--json', 'unlock'], { env: agent.env, detached: true });
    expect(refused.code).toBe(1); // no passphrase given and no terminal to ask on
    expect(jsonOut<{ state: string }>(await run(['unlock'], { OWKMS_PASSPHRASE: 'correct horse battery staple' })).state).toBe('unlocked');
  });

  it('a client for another keystore does not use the agent: it runs a KMS of its own', async () => {
    const other = join(agent.dir, 'other-store');
    const r = await owkms(['--json', 'status'], { env: { ...agent.env, OWKMS_STORE: other } });
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOut<{ state: string }>(r).state).toBe('uninitialized');
  });
});

describe('idle lock', () => {
  let idle: TestAgent | undefined;
  afterAll(async () => {
    await idle?.cleanup();
  });

  it('the agent locks the wallet after --lock-after seconds without a request; the PKCS#11 token goes away with it', async () => {
    idle = await startAgent({ lockAfterS: 1 });
    const kmsPid = () => readFileSync(`/proc/${idle!.child.pid}/task/${idle!.child.pid}/children`, 'utf8').trim();
    const kmsBefore = kmsPid();
    const [before] = await exchange(idle.socket, [{ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { role: 'pkcs11' } }, { jsonrpc: '2.0', id: 2, method: 'p11.slotInfo', params: {} }].slice(0, 1));
    expect(before!.result).toBeDefined();
    await new Promise((r) => setTimeout(r, 3500));
    const conn = await agentSession(idle.store, idle.env);
    const status = (await conn!.client.callUnchecked('kms.status', { probe: false })) as { state: string };
    await conn!.close();
    expect(status.state).toBe('locked');
    // The lock replaced the KMS process: nothing of the unlocked heap survives it (issue 13).
    expect(kmsPid()).not.toBe(kmsBefore);
    expect(kmsPid()).not.toBe('');
    const [, slot] = await exchange(idle.socket, [{ jsonrpc: '2.0', id: 1, method: 'agent.hello', params: { role: 'pkcs11' } }, { jsonrpc: '2.0', id: 2, method: 'p11.slotInfo', params: {} }]);
    expect(slot!.result).toMatchObject({ rv: 0, tokenPresent: false });
  });
});
