// keys.list pages in key-id order (issue 17: at a million keys a page in insertion order touched a different branch
// of the key-set tree for nearly every key). Paging must still return every key exactly once, reject a cursor that
// is not a key id, and report a key row removed behind the KMS's back as TAMPERED on the page that would hold it.
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher } from '../../../kms-process/dispatcher.js';
import { KmsContext } from '../../../kms-process/kmsContext.js';
import { keystoreWithStoredKeys } from '../../helpers/inProcessKeystore.js';
import { PASSPHRASE, removeDir, tempDir } from '../../helpers/kms.js';

const N = 230;
const policy = { purposes: ['sign' as const], exportable: false, requiresApproval: false };
let dir: string;
let ids: string[];

/** A KMS context on `dir`, unlocked, its background check stopped; `call` goes through the dispatcher as `test`. */
async function open(storeDir: string) {
  const ctx = new KmsContext({ storeDir, holder: 'test-list', keyCacheMs: 0 });
  const dispatcher = new Dispatcher(ctx);
  let n = 0;
  const call = async (method: string, params: unknown) => dispatcher.handle({ jsonrpc: '2.0', id: ++n, method, params } as never, 'test', ['test']);
  const r = await call('kms.unlock', { passphrase: PASSPHRASE });
  if ('error' in r) throw new Error(`unlock failed: ${JSON.stringify(r.error)}`);
  ctx.keySetCheck.stop();
  return { ctx, call };
}

type Page = { keys: Array<{ id: string }>; nextCursor?: string };

async function listAll(call: (m: string, p: unknown) => Promise<unknown>, limit: number): Promise<{ ids: string[]; pages: number }> {
  const out: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = (await call('keys.list', { limit, ...(cursor !== undefined ? { cursor } : {}) })) as { result?: Page; error?: unknown };
    if (!r.result) throw new Error(`keys.list failed: ${JSON.stringify(r.error)}`);
    pages++;
    out.push(...r.result.keys.map((k) => k.id));
    cursor = r.result.nextCursor;
  } while (cursor !== undefined);
  return { ids: out, pages };
}

beforeAll(async () => {
  dir = tempDir();
  ids = await keystoreWithStoredKeys(dir, Array.from({ length: N }, () => ({ algorithm: 'ed25519' as const, policy })));
});
afterAll(() => removeDir(dir));

describe('keys.list pages (key-id order)', () => {
  it('returns every key exactly once, in id order, for page sizes that do and do not divide the count', async () => {
    const { ctx, call } = await open(dir);
    try {
      const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      for (const limit of [1, 7, 23, 100, N, 1000]) {
        const { ids: listed, pages } = await listAll(call, limit);
        expect(listed).toEqual(sorted);
        expect(pages).toBe(Math.floor(N / limit) + 1); // a full last page is followed by an empty one
      }
    } finally {
      ctx.close();
    }
  });

  it('a cursor is a key id: anything else is INVALID_REQUEST naming the cursor', async () => {
    const { ctx, call } = await open(dir);
    try {
      for (const cursor of ['12', 'abc def', "x' OR 1=1 --", 'é', 'a'.repeat(65)]) {
        const r = (await call('keys.list', { cursor })) as { result?: Page; error?: { data?: { kind?: string; path?: string } } };
        if (/^[A-Za-z0-9_-]{0,64}$/.test(cursor)) expect(r.result).toBeDefined(); // '12' is a valid (if unknown) id position
        else expect(r.error?.data).toMatchObject({ kind: 'INVALID_REQUEST', path: 'cursor' });
      }
      // A cursor between ids continues after it, like a real one.
      const sorted = [...ids].sort();
      const mid = sorted[100]!;
      const r = (await call('keys.list', { cursor: mid, limit: 5 })) as { result: Page };
      expect(r.result.keys.map((k) => k.id)).toEqual(sorted.slice(101, 106));
    } finally {
      ctx.close();
    }
  });

  it('a key row deleted from the file is TAMPERED on the page that would hold it, and on every later listing', async () => {
    const copy = tempDir();
    try {
      const db0 = new Database(join(dir, 'keystore.sqlite'), { readonly: true });
      await db0.backup(join(copy, 'keystore.sqlite'));
      db0.close();
      const victim = [...ids].sort()[150]!;
      const db = new Database(join(copy, 'keystore.sqlite'));
      db.prepare('DELETE FROM keys WHERE id = ?').run(victim);
      db.close();
      const { ctx, call } = await open(copy);
      try {
        const first = (await call('keys.list', { limit: 100 })) as { result?: Page };
        expect(first.result?.keys).toHaveLength(100); // the first 100 ids are untouched
        const second = (await call('keys.list', { limit: 100, cursor: first.result!.nextCursor })) as { error?: { data?: { kind?: string } } };
        expect(second.error?.data?.kind).toBe('TAMPERED');
        const again = (await call('keys.list', {})) as { error?: { data?: { kind?: string } } };
        expect(again.error?.data?.kind).toBe('TAMPERED');
      } finally {
        ctx.close();
      }
    } finally {
      removeDir(copy);
    }
  });
});
