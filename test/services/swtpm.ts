// Starts a real TPM 2.0 simulator (swtpm, Debian package `swtpm`) on a free loopback port pair with a temporary
// state folder, for tests that reach it through the tpm2-tss `swtpm` TCTI.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Swtpm {
  /** TCTI configuration string for tpm2-tss and tpm2-tools (`-T`). */
  tcti: string;
  port: number;
  stateDir: string;
  /** Stops the simulator; the state folder is kept. */
  stop(): Promise<void>;
  /** Stops the simulator and removes its state folder. */
  dispose(): Promise<void>;
}

function assertInstalled(): void {
  const r = spawnSync('swtpm', ['--version'], { stdio: 'ignore' });
  if (r.error) throw new Error('swtpm binary not found: install the Debian package `swtpm` (and `swtpm-tools`)');
}

function listenOnce(port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : 0));
    });
  });
}

/** A port P with P+1 also free (swtpm's control channel). */
async function freePortPair(): Promise<number> {
  for (let i = 0; i < 20; i++) {
    const p = await listenOnce(0);
    if (p >= 65535) continue;
    try {
      await listenOnce(p + 1);
      return p;
    } catch {
      // P+1 taken: try another pair
    }
  }
  throw new Error('no free loopback port pair for swtpm');
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createConnection({ host: '127.0.0.1', port }, () => {
      s.end();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

function waitExit(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts swtpm; pass `stateDir` to restart over an existing TPM state (NV, seeds, DA counters survive). */
export async function startSwtpm(opts: { stateDir?: string } = {}): Promise<Swtpm> {
  assertInstalled();
  const stateDir = opts.stateDir ?? mkdtempSync(join(tmpdir(), 'owkms-swtpm-'));
  const port = await freePortPair();
  const child = spawn(
    'swtpm',
    ['socket', '--tpm2', '--tpmstate', `dir=${stateDir}`,
      '--server', `type=tcp,port=${port},bindaddr=127.0.0.1`,
      '--ctrl', `type=tcp,port=${port + 1},bindaddr=127.0.0.1`,
      '--flags', 'not-need-init,startup-clear'],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 10_000;
  // Probe the control port: a probe on the command port would take swtpm's single command connection.
  while (!(await canConnect(port + 1))) {
    if (child.exitCode !== null) throw new Error(`swtpm exited (${child.exitCode}): ${stderr.trim()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`swtpm did not listen on 127.0.0.1:${port + 1} within 10 s: ${stderr.trim()}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await waitExit(child);
  };
  return {
    tcti: `swtpm:host=127.0.0.1,port=${port}`,
    port,
    stateDir,
    stop,
    async dispose() {
      await stop();
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
}
