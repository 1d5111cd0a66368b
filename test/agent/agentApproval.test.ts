// The agent as the desktop app will run it: AgentServer in this process over a KmsHost, with an Approver standing in
// for the app's trusted prompt. A guarded key used through the PKCS#11 engine waits for the approver: yes signs (the
// KMS checked the call as pkcs11 first), no is CKR_FUNCTION_REJECTED; approveCli puts owkms sessions behind it too.
import { createPublicKey, verify } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { KmsHost } from '../../kms-process/client/kmsHost.js';
import { AgentServer } from '../../agent/agentServer.js';
import type { ApprovalRequest } from '../../agent/approver.js';
import { agentSession } from '../../cli/session.js';
import { CKM, CKR, CKF, CKU, CKO, CKA } from '../../agent/pkcs11/p11Constants.js';
import { PASSPHRASE, removeDir, tempDir } from '../helpers/kms.js';

/** A line client speaking the agent's protocol, one request at a time. */
class LineClient {
  private buf = '';
  private waiting: Array<(v: Record<string, unknown>) => void> = [];
  private id = 0;
  constructor(private readonly s: Socket) {
    s.on('data', (b) => {
      this.buf += b.toString();
      let nl;
      while ((nl = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, nl);
        this.buf = this.buf.slice(nl + 1);
        this.waiting.shift()?.(JSON.parse(line) as Record<string, unknown>);
      }
    });
  }
  static open(path: string): Promise<LineClient> {
    return new Promise((resolve, reject) => {
      const s = connect(path, () => resolve(new LineClient(s)));
      s.once('error', reject);
    });
  }
  async call(method: string, params: object): Promise<Record<string, unknown>> {
    const answer = new Promise<Record<string, unknown>>((r) => this.waiting.push(r));
    this.s.write(JSON.stringify({ jsonrpc: '2.0', id: ++this.id, method, params }) + '\n');
    const a = await answer;
    if (a.error) throw new Error(JSON.stringify(a.error));
    return a.result as Record<string, unknown>;
  }
  close(): void {
    this.s.destroy();
  }
}

const ulong = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b.toString('hex');
};

let dir: string;
let host: KmsHost;
let server: AgentServer;
let guarded: KeyInfo;
const asked: ApprovalRequest[] = [];
let answer = true;

beforeAll(async () => {
  dir = tempDir('owkms-approval-');
  const runtime = join(dir, 'run');
  mkdirSync(runtime, { mode: 0o700 });
  host = await KmsHost.start({ storeDir: join(dir, 'store'), callers: ['cli', 'pkcs11', 'app'], stderr: 'pipe', createStore: true });
  await host.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }, { caller: 'cli' });
  await host.client.call('pkcs11.setPin', { pin: '9999' }, { caller: 'cli' });
  guarded = await host.client.call('keys.generate', { algorithm: 'p256', label: 'needs a yes', requiresApproval: true, callers: ['cli', 'pkcs11', 'app'] }, { caller: 'cli' });
  server = new AgentServer({
    kms: () => host.client,
    storeDir: join(dir, 'store'),
    socketPath: join(runtime, 'owkms', 'agent.sock'),
    lockAfterMs: 0,
    ownCaller: 'app',
    approveCli: true,
    approver: {
      approve: async (r) => {
        asked.push(r);
        return answer;
      },
    },
  });
  await server.listen();
});

afterAll(async () => {
  await server?.close();
  await host?.stop();
  removeDir(dir);
});

describe("approvals through the agent (the desktop app's interface)", () => {
  it('PKCS#11: the approver sees the key and the peer; yes signs, no is CKR_FUNCTION_REJECTED', async () => {
    const c = await LineClient.open(server.socketPath);
    await c.call('agent.hello', { role: 'pkcs11', ulongBytes: 8 });
    const { session } = await c.call('p11.openSession', { flags: CKF.SERIAL_SESSION });
    expect((await c.call('p11.login', { session, userType: CKU.USER, pin: Buffer.from('9999').toString('hex') })).rv).toBe(CKR.OK);
    await c.call('p11.findInit', { session, template: [{ t: CKA.CLASS, v: ulong(CKO.PRIVATE_KEY) }] });
    const { handles } = await c.call('p11.find', { session, max: 10 });
    await c.call('p11.findFinal', { session });
    const key = (handles as number[])[0]!;
    const data = Buffer.from('approved by a person').toString('hex');
    const sign = async () => {
      expect((await c.call('p11.opInit', { session, op: 'sign', mechanism: { type: CKM.ECDSA_SHA256 }, key })).rv).toBe(CKR.OK);
      return c.call('p11.op', { session, op: 'sign', step: 'single', data, outCap: 64 });
    };
    answer = true;
    const yes = await sign();
    expect(yes.rv).toBe(CKR.OK);
    const pub = createPublicKey({ key: guarded.publicKey!.jwk as never, format: 'jwk' });
    expect(verify('sha256', Buffer.from('approved by a person'), { key: pub, dsaEncoding: 'ieee-p1363' }, Buffer.from(yes.out as string, 'hex'))).toBe(true);
    expect(asked.at(-1)).toMatchObject({ role: 'pkcs11', keyId: guarded.id, keyLabel: 'needs a yes', peer: { pid: process.pid, uid: process.getuid!() } });
    answer = false;
    expect((await sign()).rv).toBe(CKR.FUNCTION_REJECTED);
    c.close();
  });

  it('owkms sessions: with approveCli, a guarded key waits for the approver too', async () => {
    const session = server.tokens.issue();
    const conn = await agentSession(join(dir, 'store'), { OWKMS_SOCKET: server.socketPath, OWKMS_SESSION: session });
    answer = false;
    await expect(conn!.client.callUnchecked('crypto.sign', { id: guarded.id, data: 'AAAA' })).rejects.toMatchObject({ kind: 'APPROVAL_DENIED' });
    answer = true;
    await expect(conn!.client.callUnchecked('crypto.sign', { id: guarded.id, data: 'AAAA' })).resolves.toHaveProperty('signature');
    expect(asked.at(-1)).toMatchObject({ role: 'cli', method: 'crypto.sign', keyId: guarded.id });
    await conn!.close();
  });
});
