// Bad input at the agent's socket: random p11.* calls with random parameters, and random lines, from a same-user
// peer that holds the pkcs11 role. Every line gets one answer (a PKCS#11 return value or a typed error), and the
// agent keeps serving.
import fc from 'fast-check';
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type TestAgent } from '../helpers/agent.js';

const METHODS = ['p11.slotInfo', 'p11.tokenInfo', 'p11.mechanisms', 'p11.openSession', 'p11.closeSession', 'p11.closeAllSessions', 'p11.sessionInfo',
  'p11.login', 'p11.logout', 'p11.findInit', 'p11.find', 'p11.findFinal', 'p11.getAttributes', 'p11.opInit', 'p11.op', 'p11.derive', 'p11.destroy',
  'p11.random', 'p11.nothing', 'keys.export', 'agent.hello'];

let agent: TestAgent;
let socket: Socket;
let buf = '';
const waiting: Array<(line: string) => void> = [];

function send(line: string): Promise<string> {
  const p = new Promise<string>((r) => waiting.push(r));
  socket.write(line + '\n');
  return p;
}

beforeAll(async () => {
  agent = await startAgent();
  await agent.generate('p256', 'fuzz-target');
  socket = connect(agent.socket);
  socket.on('data', (b) => {
    buf += b.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      waiting.shift()?.(line);
    }
  });
  await new Promise((r) => socket.once('connect', r));
  await send(JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'agent.hello', params: { role: 'pkcs11' } }));
});

afterAll(async () => {
  socket?.destroy();
  await agent?.cleanup();
});

describe('the agent under bad input from a pkcs11 peer', () => {
  it('answers every random call with a return value or a typed error, and keeps serving', async () => {
    const small = fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 8 }), fc.constant(null), fc.boolean(), fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b).toString('hex')), fc.constant(2 ** 64));
    const params = fc.dictionary(fc.constantFrom('session', 'flags', 'pin', 'userType', 'template', 'max', 'object', 'types', 'op', 'mechanism', 'key', 'step', 'data', 'outCap', 'signature', 'length'),
      fc.oneof(small, fc.array(fc.oneof(small, fc.record({ t: small, v: small })), { maxLength: 4 }), fc.record({ type: small, params: fc.dictionary(fc.string({ maxLength: 8 }), small) })));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...METHODS), fc.oneof(params, fc.anything({ maxDepth: 2 })), async (method, p) => {
        const answer = JSON.parse(await send(JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: p }))) as { result?: { rv?: unknown }; error?: { data?: { kind?: string } } };
        if (answer.result) expect(typeof answer.result.rv).toBe('number');
        else expect(typeof answer.error?.data?.kind).toBe('string');
      }),
      { numRuns: 300 },
    );
    for (const junk of ['{', '[]', '"x"', '{"jsonrpc":"2.0","id":1,"method":"p11.find","params":{"session":1},"caller":"app"}']) {
      const a = JSON.parse(await send(junk)) as { error?: { data?: { kind?: string } } };
      expect(a.error?.data?.kind).toMatch(/INVALID_REQUEST|POLICY_DENIED/);
    }
    const ok = JSON.parse(await send(JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'p11.slotInfo', params: {} }))) as { result: { rv: number; tokenPresent: boolean } };
    expect(ok.result).toEqual({ rv: 0, tokenPresent: true });
    expect(agent.child.exitCode).toBeNull();
    expect(agent.stderr()).not.toMatch(/internal error|fatal/); // no unexpected exception in the agent or its KMS
  }, 120_000);
});
