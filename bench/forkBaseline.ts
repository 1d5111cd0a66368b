// The floor under any one-at-a-time KMS call, measured in the same run: a forked Node child that echoes each
// message back over the same IPC channel (JSON serialization), with no work in between.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { percentile } from './timing.js';

if (process.argv[2] === '--echo-child') {
  process.on('message', (m) => process.send!(m));
  process.on('disconnect', () => process.exit(0));
}

/** Median round trip in microseconds over `count` sequential messages shaped like a small KMS request. */
export async function forkRoundTripP50(count: number): Promise<number> {
  const child = fork(fileURLToPath(import.meta.url), ['--echo-child'], { serialization: 'json', stdio: 'ignore' });
  try {
    const once = (i: number) =>
      new Promise<void>((resolve) => {
        child.once('message', () => resolve());
        child.send({ jsonrpc: '2.0', id: i, method: 'crypto.mac', params: { id: 'AAAAAAAAAAAAAAAAAAAAAA', data: 'aGVsbG8' } });
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
    child.disconnect();
  }
}
