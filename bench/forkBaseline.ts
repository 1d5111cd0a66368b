// The floor under any one-at-a-time KMS call, measured in the same run: a child Node process that echoes each
// message back over the same transport the KMS uses (a socket pair on fd 3 carrying NDJSON lines, parsed and
// serialized on both sides; childPorts.ts, processPorts.ts), with no work in between.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Port } from '../kms-process/api/channelProtocol.js';
import { parseMessageText } from '../kms-process/api/rpc.js';
import { pipePort } from '../kms-process/client/childPorts.js';
import { forkPipePort } from '../kms-process/transport/processPorts.js';
import { percentile } from './timing.js';

if (process.argv[2] === '--echo-child') {
  const port = forkPipePort();
  if (!port) process.exit(64);
  // What the KMS does with a line before any work: the size check and the parse, then one serialization back.
  port.onMessage((text) => {
    const parsed = parseMessageText(text as string);
    port.send(JSON.stringify('value' in parsed ? parsed.value : parsed));
  });
  port.onClose(() => process.exit(0));
}

/** Median round trip in microseconds over `count` sequential messages shaped like a small KMS request. */
export async function forkRoundTripP50(count: number): Promise<number> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--echo-child'], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] });
  const port: Port = pipePort(child);
  let waiting: (() => void) | undefined;
  port.onMessage((text) => {
    JSON.parse(text as string);
    waiting?.();
  });
  try {
    const once = (i: number) =>
      new Promise<void>((resolve) => {
        waiting = resolve;
        port.send(JSON.stringify({ jsonrpc: '2.0', id: i, method: 'crypto.mac', params: { id: 'AAAAAAAAAAAAAAAAAAAAAA', data: 'aGVsbG8' } }));
      });
    for (let i = 0; i < 200; i++) await once(i); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const t = process.hrtime.bigint();
      await once(i);
      samples.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    return percentile(samples, 50);
  } finally {
    port.close();
    child.kill();
  }
}
