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
