// Test helper: run the real `owkms` command (bin/owkms.js over the compiled CLI) as a child process.
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const OWKMS_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bin', 'owkms.js');

export interface OwkmsRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  stdoutBytes: Buffer;
  timedOut: boolean;
}

export interface OwkmsOptions {
  /** Bytes for stdin; stdin is closed after them (or at once when absent). */
  stdin?: string | Uint8Array;
  /** The whole environment of the command (nothing is inherited but PATH and HOME). */
  env?: Record<string, string>;
  timeoutMs?: number;
  /** Start in a new session, so the command has no controlling terminal to prompt on. */
  detached?: boolean;
}

export function owkms(args: string[], options: OwkmsOptions = {}): Promise<OwkmsRun> {
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...(options.env ?? {}) };
  const child = spawn(process.execPath, [OWKMS_BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: options.detached ?? false });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  child.stderr.on('data', (b: Buffer) => err.push(b));
  child.stdin.on('error', () => {}); // the command may exit before reading all of stdin
  child.stdin.end(options.stdin ?? '');
  return new Promise((resolve) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? 20_000);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const stdoutBytes = Buffer.concat(out);
      resolve({ code, signal, stdout: stdoutBytes.toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), stdoutBytes, timedOut });
    });
  });
}

/** The one JSON value on stdout of a `--json` run (fails when stdout holds anything else). */
export function jsonOut<T = Record<string, unknown>>(run: OwkmsRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`stdout is not one JSON value (exit ${run.code}): ${run.stdout.slice(0, 300)} / stderr: ${run.stderr.slice(0, 300)}`);
  }
}
