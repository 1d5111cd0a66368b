// The keystore at scale: stores of 10 and 1,000,000 keys filled in-process (not timed; kept under bench/out/ so a
// later run copies them instead of filling them again), then fresh KMS children timed from spawn to first answer,
// through kms.unlock, the first crypto.sign and the first keys.list page.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { RpcResponse } from '../kms-process/api/index.js';
import { Dispatcher } from '../kms-process/dispatcher.js';
import { KmsContext } from '../kms-process/kmsContext.js';
import { newKeyPolicy } from '../kms-process/policy/keyPolicy.js';
import { newKeyId } from '../kms-process/services/keysService.js';
import { KMS_VERSION } from '../kms-process/api/version.js';
import { packageRoot } from './benchPaths.js';
import { BENCH_PASSPHRASE, rssMb, startKms } from './kmsOps.js';
import { median } from './timing.js';

/** Distinct key materials cycled over the records: ids, IVs and ciphertexts differ per record, the keys repeat. */
const DISTINCT_MATERIALS = 64;
const INSERTS_PER_TRANSACTION = 20_000;

export interface ScaleRow {
  keys: number;
  unlock_ms: number;
  first_sign_ms: number;
  /** A keys.list page (100 keys, the default): the median of the 2nd to 6th pages after the first signature. */
  list_page_ms: number;
  /** The first keys.list page of the fresh KMS (its listing code runs cold then, at any number of keys). */
  first_list_page_ms: number;
}

export interface ScaleResult {
  rows: ScaleRow[];
  /** Every child's spawn-to-first-answer time. */
  startMs: number[];
  /** RSS of the KMS with the largest store, after unlock, first sign and a keys.list page (median over its children). */
  rssMb: number;
}

function check(r: RpcResponse): void {
  if ('error' in r) throw new Error(`bench setup failed: ${JSON.stringify(r.error)}`);
}

/**
 * A passphrase keystore holding `count` Ed25519 keys, written in-process through the keystore's own insert path
 * (encrypted secret, MACed row). Returns the id of a key in the middle of the table.
 */
export async function buildStore(dir: string, count: number): Promise<string> {
  mkdirSync(dir, { recursive: true });
  const ctx = new KmsContext({ storeDir: dir, holder: 'bench-fill', keyCacheMs: 0 });
  try {
    const dispatcher = new Dispatcher(ctx);
    const params = { sealers: [{ kind: 'passphrase', passphrase: BENCH_PASSPHRASE }] };
    check(await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'kms.init', params }, 'test', ['test']));
    const spec = ctx.registry.get('ed25519');
    const materials = Array.from({ length: Math.min(count, DISTINCT_MATERIALS) }, () => spec.generate());
    const policy = newKeyPolicy(spec.operations, {});
    const createdAt = Date.now();
    let middle = '';
    for (let from = 0; from < count; from += INSERTS_PER_TRANSACTION) {
      const to = Math.min(count, from + INSERTS_PER_TRANSACTION);
      ctx.write(
        () => {
          for (let i = from; i < to; i++) {
            const m = materials[i % materials.length]!;
            const id = newKeyId();
            if (i === Math.floor(count / 2)) middle = id;
            ctx.keystore.keys.insert({ id, label: `bench ${i}`, algorithm: 'ed25519', provider: 'software', policy, publicRaw: m.publicRaw, createdAt }, m.secret);
          }
        },
        { caller: 'test', method: 'keys.import', outcome: 'ok' },
      );
    }
    return middle;
  } finally {
    ctx.close();
  }
}

interface ChildTimes {
  startMs: number;
  unlockMs: number;
  firstSignMs: number;
  listPageMs: number;
  firstListPageMs: number;
  rssMb: number;
}

/**
 * Where a filled store of `count` keys is kept between runs (bench/out/, not committed): named by the KMS version
 * and the keystore's schema, so a new format fills it again. A change to how rows or the key-set tree are MACed
 * without either makes the copy TAMPERED at its first use: the bench then fails loudly; `rm -rf bench/out` refills.
 */
function cacheDir(count: number): string {
  const h = createHash('sha256').update(KMS_VERSION);
  h.update(readFileSync(join(packageRoot(), 'dist', 'kms-process', 'keystore', 'schema.js')));
  return join(packageRoot(), 'bench', 'out', `store-${count}-${h.digest('hex').slice(0, 12)}`);
}

/** A copy of the cached store of `count` keys in `dir` (filled and cached first if there is none); returns its key id. */
export async function cachedStore(dir: string, count: number, log: (line: string) => void): Promise<string> {
  const cache = cacheDir(count);
  const done = join(cache, 'key-id');
  if (!existsSync(done)) {
    const t = performance.now();
    rmSync(cache, { recursive: true, force: true });
    const id = await buildStore(join(cache, 'store'), count);
    writeFileSync(done, id); // written last: a cache without it is incomplete and filled again
    log(`store with ${count} keys filled in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed; kept in ${cache})`);
  }
  const t = performance.now();
  cpSync(join(cache, 'store'), dir, { recursive: true });
  log(`store with ${count} keys copied from bench/out in ${((performance.now() - t) / 1000).toFixed(1)} s (not timed)`);
  return readFileSync(done, 'utf8');
}

async function freshChild(dir: string, keyId: string): Promise<ChildTimes> {
  const t0 = performance.now();
  const host = await startKms(dir);
  const t1 = performance.now();
  try {
    await host.client.call('kms.unlock', { passphrase: BENCH_PASSPHRASE });
    const t2 = performance.now();
    await host.client.call('crypto.sign', { id: keyId, data: Buffer.from('first signature after unlock').toString('base64url') });
    const t3 = performance.now();
    let page = await host.client.call('keys.list', {});
    const firstListPageMs = performance.now() - t3;
    const pages: number[] = [];
    for (let i = 0; i < 5 && page.nextCursor !== undefined; i++) {
      const t = performance.now();
      page = await host.client.call('keys.list', { cursor: page.nextCursor });
      pages.push(performance.now() - t);
    }
    return { startMs: t1 - t0, unlockMs: t2 - t1, firstSignMs: t3 - t2, listPageMs: median(pages.length ? pages : [firstListPageMs]), firstListPageMs, rssMb: rssMb(host.child!.pid!) };
  } finally {
    await host.stop();
  }
}

export async function measureScale(root: string, sizes: readonly number[], runs: number, log: (line: string) => void): Promise<ScaleResult> {
  const stores: Array<{ keys: number; dir: string; keyId: string; children: ChildTimes[] }> = [];
  for (const keys of sizes) {
    const dir = join(root, `scale-${keys}`);
    stores.push({ keys, dir, keyId: await cachedStore(dir, keys, log), children: [] });
  }
  // Sizes take turns within each run, so that a change in the machine's load falls on all of them alike.
  for (let i = 0; i < runs; i++) {
    for (const s of stores) s.children.push(await freshChild(s.dir, s.keyId));
  }
  const rows = stores.map((s) => ({
    keys: s.keys,
    unlock_ms: median(s.children.map((c) => c.unlockMs)),
    first_sign_ms: median(s.children.map((c) => c.firstSignMs)),
    list_page_ms: median(s.children.map((c) => c.listPageMs)),
    first_list_page_ms: median(s.children.map((c) => c.firstListPageMs)),
  }));
  const largest = stores.at(-1)!;
  return { rows, startMs: stores.flatMap((s) => s.children.map((c) => c.startMs)), rssMb: median(largest.children.map((c) => c.rssMb)) };
}
