// The real KMS child (compiled dist/kms-process/index.js, spawned by KmsHost) driven one request at a time,
// with 64 requests in flight, and with crypto.batch.
import { readFileSync } from 'node:fs';
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import { KmsHost } from '../kms-process/client/kmsHost.js';
import { kmsParams, type OpCase } from './opCases.js';
import { batchedRun, pipelinedRun, sequentialLatenciesUs, type Run } from './timing.js';

/** The passphrase of every benchmark keystore (throw-away stores in a temporary folder). */
export const BENCH_PASSPHRASE = 'benchmark passphrase, not a secret';

export interface KmsStartOptions {
  transport?: 'ipc' | 'stdio';
  nodeFlags?: string[];
  /** Idle time of the KMS key cache; long enough that no key is decrypted twice during a run. */
  keyCacheMs?: number;
}

export function startKms(storeDir: string, o: KmsStartOptions = {}): Promise<KmsHost> {
  return KmsHost.start({
    storeDir,
    transport: o.transport ?? 'ipc',
    callers: ['test'],
    holder: 'bench',
    createStore: true, // the sandboxed KMS reaches only a store folder that exists when it starts
    keyCacheMs: o.keyCacheMs ?? 600_000,
    stderr: 'inherit',
    ...(o.nodeFlags ? { nodeFlags: o.nodeFlags } : {}),
    // --cpu-prof writes its profile outside the store when the KMS exits, which the sandbox would refuse.
    ...(o.nodeFlags?.some((f) => f.startsWith('--cpu-prof')) ? { sandbox: { off: true } } : {}),
  });
}

export async function initKms(client: ChannelClient): Promise<void> {
  await client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: BENCH_PASSPHRASE }] });
}

export async function generateKey(client: ChannelClient, c: OpCase, provider?: string): Promise<string> {
  const info = await client.call('keys.generate', { algorithm: c.algorithm, label: `bench ${c.op}`, ...(provider ? { provider } : {}) });
  return info.id;
}

export interface KmsOp {
  once(): Promise<unknown>;
  sequentialUs(count: number, budgetMs: number): Promise<number[]>;
  pipelined(budgetMs: number, inflight: number): Promise<Run>;
  batched(budgetMs: number, items: number): Promise<Run>;
}

/** One operation on one KMS key; the request params are built once, as an app signing in a loop would. */
export function kmsOp(client: ChannelClient, c: OpCase, keyId: string): KmsOp {
  const params = kmsParams(c, keyId) as never;
  const once = () => client.call(c.method, params);
  const batch = (items: number) => {
    const request = { items: Array.from({ length: items }, () => ({ method: c.method, params })) } as never;
    return async () => {
      const { results } = await client.call('crypto.batch', request);
      const failed = results.find((r) => 'error' in r);
      if (failed) throw new Error(`crypto.batch item failed: ${JSON.stringify(failed)}`);
    };
  };
  return {
    once,
    sequentialUs: (count, budgetMs) => sequentialLatenciesUs(count, budgetMs, once),
    pipelined: (budgetMs, inflight) => pipelinedRun(budgetMs, inflight, once),
    batched: (budgetMs, items) => batchedRun(budgetMs, items, batch(items)),
  };
}

/** Resident set of a process in MiB (VmRSS from /proc; Linux only). */
export function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (!kb) throw new Error(`no VmRSS for process ${pid}`);
  return Number(kb) / 1024;
}
