// KmsHost: spawns the KMS entry as a child process with a minimal environment and a fresh channel token,
// authenticates the channel, notices the child's exit (failing pending calls) and can restart it.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHANNEL_TOKEN_ENV, type HelloResult } from '../api/channelProtocol.js';
import type { Caller } from '../api/callers.js';
import { KmsError } from '../api/errors.js';
import { ChannelClient } from './channelClient.js';
import { pipePort, stdioPort } from './childPorts.js';

/** Variables the KMS may need from its parent's environment; nothing else is passed. */
export const PASSED_ENV = [
  'HOME',
  'LANG',
  'DBUS_SESSION_BUS_ADDRESS',
  'XDG_RUNTIME_DIR',
  'SOFTHSM2_CONF',
  'OWKMS_TCTI',
  'OWKMS_PKCS11_MODULES',
  'SystemRoot', // Windows: needed by the crypto provider DLLs
] as const;

export interface KmsHostOptions {
  storeDir: string;
  /** `ipc` (a private pipe on the child's fd 3, what the app uses under Node) or `stdio` (what `owkms` uses). */
  transport?: 'ipc' | 'stdio';
  callers?: Caller[];
  /** Shown to a second opener of the same keystore. */
  holder?: string;
  keyCacheMs?: number;
  timeoutMs?: number;
  /** Extra environment for the child (tests: a SoftHSM2 config, a TPM TCTI, a D-Bus address). */
  env?: Record<string, string>;
  /** Where the child's stderr goes (default: inherited). */
  stderr?: 'inherit' | 'pipe' | 'ignore';
  entry?: string;
  /** Extra Node flags for the child (benchmarks: `--cpu-prof`). */
  nodeFlags?: string[];
  /**
   * What the KMS's sandbox must let through besides its defaults: TCTIs given for this run (`--tcti`), remote
   * endpoints (`host:port`), folders it may also write (`owkms doctor --salvage-to`); `off` starts it unsandboxed
   * (profiling only: `--cpu-prof` writes outside the store).
   */
  sandbox?: { tctis?: string[]; connect?: string[]; write?: string[]; off?: boolean };
  /**
   * Make the store folder (0700) before the KMS starts, for a kms.init in this run: the sandboxed KMS reaches only a
   * folder that exists when it starts, and never makes one itself (a mistyped store is left alone).
   */
  createStore?: boolean;
}

/** The compiled KMS entry, found from the package root whether this file runs from source or from dist/. */
export function defaultEntry(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return join(dir, 'dist', 'kms-process', 'index.js');
    const up = dirname(dir);
    if (up === dir) throw new Error('package root not found');
    dir = up;
  }
}

export class KmsHost {
  private childProcess: ChildProcess | undefined;
  private channel: ChannelClient | undefined;
  private readonly exitListeners: Array<(code: number | null, signal: NodeJS.Signals | null) => void> = [];
  info: HelloResult | undefined;
  /** The first folder `createStore` made (undefined when the store folder existed already). */
  madeStore: string | undefined;

  constructor(private readonly options: KmsHostOptions) {}

  static async start(options: KmsHostOptions): Promise<KmsHost> {
    const host = new KmsHost(options);
    await host.start();
    return host;
  }

  get client(): ChannelClient {
    if (!this.channel) throw new KmsError('UNAVAILABLE', 'the KMS is not running');
    return this.channel;
  }

  get child(): ChildProcess | undefined {
    return this.childProcess;
  }

  onExit(listener: (code: number | null, signal: NodeJS.Signals | null) => void): void {
    this.exitListeners.push(listener);
  }

  async start(): Promise<void> {
    const o = this.options;
    const token = randomBytes(32).toString('base64url');
    const env: Record<string, string> = { [CHANNEL_TOKEN_ENV]: token };
    for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, o.env ?? {});
    const transport = o.transport ?? 'ipc';
    if (o.createStore) this.madeStore = mkdirSync(o.storeDir, { recursive: true, mode: 0o700 }) ?? this.madeStore;
    const args = ['--store', o.storeDir, '--transport', transport, '--holder', o.holder ?? 'kms'];
    if (o.keyCacheMs !== undefined) args.push('--key-cache-ms', String(o.keyCacheMs));
    for (const t of o.sandbox?.tctis ?? []) args.push('--allow-tcti', t);
    for (const e of o.sandbox?.connect ?? []) args.push('--allow-connect', e);
    for (const w of o.sandbox?.write ?? []) args.push('--allow-write', w);
    if (o.sandbox?.off) args.push('--no-sandbox');
    const stderr = o.stderr ?? 'inherit';
    const execArgv = ['--disallow-code-generation-from-strings', ...(o.nodeFlags ?? [])];
    const entry = o.entry ?? defaultEntry();
    // `ipc` is a fork of the entry with a socket pair on fd 3 instead of Node's IPC channel (see pipePort).
    const stdio: Array<'pipe' | 'ignore' | 'inherit'> = transport === 'stdio' ? ['pipe', 'pipe', stderr] : ['ignore', 'ignore', stderr, 'pipe'];
    const child = spawn(process.execPath, [...execArgv, entry, ...args], { env, stdio });
    this.childProcess = child;
    child.on('exit', (code, signal) => {
      for (const l of this.exitListeners) l(code, signal);
    });
    const port = transport === 'stdio' ? stdioPort(child) : pipePort(child);
    this.channel = new ChannelClient(port, o.timeoutMs);
    this.info = await this.channel.hello(token, o.callers ?? ['test']);
  }

  /** Stop the child (SIGTERM, then SIGKILL after `graceMs`) and wait for it to exit. */
  async stop(graceMs = 3000): Promise<void> {
    const child = this.childProcess;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      child.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      child.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * Lock, then replace the process (issue 13): V8 keeps copies of keys and secrets that nothing can wipe (KeyObjects,
   * the strings of the requests that carried them), and test/reliability/memoryResidue.test.ts finds them in the heap
   * after kms.lock. A fresh process has none of the old heap; it starts locked.
   */
  async lockAndRestart(): Promise<void> {
    try {
      await this.client.call('kms.lock', {});
    } catch {
      // A KMS that is gone or failing holds nothing unlocked once replaced.
    }
    await this.restart();
  }
}
