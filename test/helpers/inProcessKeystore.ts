// Test helper: write keys straight into a keystore through the keystore's own insert path (encrypted, MACed, in the
// key-set tree), with policies the protocol no longer hands out: a key stored before usage separation existed (both
// wrap and decrypt), to check how today's KMS treats it. The keystore is then opened by a real KMS child.
import { Dispatcher } from '../../kms-process/dispatcher.js';
import type { KeyPolicy } from '../../kms-process/keystore/keyTable.js';
import { KmsContext } from '../../kms-process/kmsContext.js';
import { newKeyId } from '../../kms-process/services/keysService.js';
import type { AlgorithmId } from '../../kms-process/api/index.js';
import { PASSPHRASE } from './kms.js';

export interface StoredKey {
  algorithm: AlgorithmId;
  policy: KeyPolicy;
  label?: string;
}

/** A new passphrase keystore in `dir` holding `keys`; returns their ids in order. */
export async function keystoreWithStoredKeys(dir: string, keys: StoredKey[]): Promise<string[]> {
  const ctx = new KmsContext({ storeDir: dir, holder: 'test-fill', keyCacheMs: 0 });
  try {
    const dispatcher = new Dispatcher(ctx);
    const r = await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'kms.init', params: { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] } }, 'test', ['test']);
    if ('error' in r) throw new Error(`init failed: ${JSON.stringify(r.error)}`);
    await ctx.registryReady;
    const ids: string[] = [];
    for (const k of keys) {
      const m = ctx.registry.get(k.algorithm).generate();
      const id = newKeyId();
      ctx.write(
        () => ctx.keystore.keys.insert({ id, label: k.label ?? '', algorithm: k.algorithm, provider: 'software', policy: k.policy, publicRaw: m.publicRaw, createdAt: Date.now() }, m.secret),
        { caller: 'test', method: 'keys.import', keyId: id, outcome: 'ok' },
      );
      ids.push(id);
    }
    return ids;
  } finally {
    ctx.close();
  }
}

/**
 * Turn a keystore made by this version back into what version 1 wrote (no key-set tree, no sealer set, no audit
 * counts, schema_version 1), with its metadata MAC made again by the master key: a keystore from before issue 10.
 */
export async function downgradeToSchema1(dir: string): Promise<void> {
  const ctx = new KmsContext({ storeDir: dir, holder: 'test-downgrade', keyCacheMs: 0 });
  try {
    const dispatcher = new Dispatcher(ctx);
    const r = await dispatcher.handle({ jsonrpc: '2.0', id: 1, method: 'kms.unlock', params: { passphrase: PASSPHRASE } }, 'test', ['test']);
    if ('error' in r) throw new Error(`unlock failed: ${JSON.stringify(r.error)}`);
    ctx.keySetCheck.stop();
    const db = (ctx.keystore as unknown as { db: import('better-sqlite3').Database }).db;
    ctx.keystore.write(() => {
      db.prepare("DELETE FROM meta WHERE k IN ('keyset_root', 'sealer_set', 'rollback_guard')").run();
      db.prepare("UPDATE meta SET v = '1' WHERE k = 'schema_version'").run();
      db.prepare('DELETE FROM keyset').run();
    });
    ctx.audit.flushAll();
  } finally {
    ctx.close();
  }
  // Outside any transaction: the audit table as version 1 made it.
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(`${dir}/keystore.sqlite`);
  db.exec('DROP TABLE keyset; ALTER TABLE audit DROP COLUMN count;');
  db.close();
}
