// The KMS side of the fork channel (issue 9): an answer written after the parent has gone never becomes an uncaught
// exception in the KMS; the port closes instead (and the KMS shuts down normally). The fork channel is the private
// fd 3 pipe (issue 10), as KmsHost makes it.
import { spawn } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const PORTS = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'dist', 'kms-process', 'transport', 'processPorts.js')).href;

// The child: the KMS's own forkPipePort; on "go" it stays busy (not reading) while the parent closes the channel,
// then answers into the closed channel.
const CHILD = `
import { forkPipePort } from ${JSON.stringify(PORTS)};
process.on('uncaughtException', (e) => { process.stdout.write('UNCAUGHT ' + (e.code ?? e.name) + '\\n'); process.exit(70); });
const port = forkPipePort();
port.onClose((reason) => { process.stdout.write('CLOSED ' + reason + '\\n'); setTimeout(() => process.exit(0), 100); });
port.onMessage(() => {
  const until = Date.now() + 400;
  while (Date.now() < until) {}
  for (let i = 0; i < 3; i++) port.send({ jsonrpc: '2.0', id: i, result: { late: true } });
});
port.send({ ready: true });
`;

describe('forkPipePort (the KMS side of the fork channel)', () => {
  it('closes, without an uncaught exception, when it answers a parent that has closed the channel', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 3; round++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
      const pipe = child.stdio[3] as Duplex;
      pipe.once('data', () => {
        pipe.write(JSON.stringify({ go: true }) + '\n');
        pipe.destroy(); // our end closes while the child is busy: its answer goes to a closed channel
      });
      const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
      expect({ code, out: out.trim() }).toEqual({ code: 0, out: expect.stringMatching(/^CLOSED (input closed|output failed \(E[A-Z]+\))$/) });
      outcomes.push(out.trim());
    }
    expect(outcomes).toHaveLength(3);
  });
});
