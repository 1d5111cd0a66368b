// Issue 17: consecutive identical audit records of one flush are written as one entry with their count. The merge
// must lose nothing (expanded again, it is the input, in order) and must never join records that differ; through a
// real KMS, pipelined signatures are all counted, interleaved keys keep their order, and the chain verifies.
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeRuns } from '../../../kms-process/audit/auditBatcher.js';
import type { AuditRecord } from '../../../kms-process/audit/auditLog.js';
import { b64u, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';

const running: TestKms[] = [];
afterAll(async () => {
  for (const k of running) {
    await k.stop();
    removeDir(k.dir);
  }
});

const record = fc.record({
  caller: fc.constantFrom('ui', 'app', 'test'),
  method: fc.constantFrom('crypto.sign', 'crypto.mac', 'keys.get'),
  keyId: fc.option(fc.constantFrom('k1', 'k2'), { nil: undefined }),
  outcome: fc.constantFrom('ok', 'POLICY_DENIED'),
  count: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
});

const expand = (rs: readonly AuditRecord[]) =>
  rs.flatMap((r) => Array.from({ length: r.count ?? 1 }, () => [r.caller, r.method, r.keyId, r.outcome].join('|')));
const same = (a: AuditRecord, b: AuditRecord) => a.caller === b.caller && a.method === b.method && a.keyId === b.keyId && a.outcome === b.outcome;

describe('audit runs', () => {
  it('merging loses no call, keeps the order, and joins only identical neighbours', () => {
    fc.assert(
      fc.property(fc.array(record, { maxLength: 60 }), (records) => {
        const merged = mergeRuns(records);
        expect(expand(merged)).toEqual(expand(records));
        for (let i = 1; i < merged.length; i++) expect(same(merged[i - 1]!, merged[i]!)).toBe(false);
        expect(merged.length).toBeLessThanOrEqual(records.length);
      }),
    );
  });

  it('a burst of signatures is counted exactly, keys interleaved keep their order, and the chain verifies', async () => {
    const k = await startInitializedKms();
    running.push(k);
    const a = await k.client.call('keys.generate', { algorithm: 'ed25519' });
    const b = await k.client.call('keys.generate', { algorithm: 'ed25519' });
    const sign = (id: string) => k.client.call('crypto.sign', { id, data: b64u('m') });
    await Promise.all(Array.from({ length: 200 }, () => sign(a.id)));
    await sign(b.id);
    await Promise.all(Array.from({ length: 50 }, () => sign(a.id)));
    const { entries } = await k.client.call('audit.list', { limit: 1000 });
    const signs = entries.filter((e) => e.method === 'crypto.sign');
    const total = (id: string) => signs.filter((e) => e.keyId === id).reduce((n, e) => n + (e.count ?? 1), 0);
    expect(total(a.id)).toBe(250);
    expect(total(b.id)).toBe(1);
    expect(signs.length).toBeLessThan(251); // runs were merged
    // b's entry sits between the two bursts of a.
    const at = signs.findIndex((e) => e.keyId === b.id);
    expect(signs.slice(0, at).reduce((n, e) => n + (e.count ?? 1), 0)).toBe(200);
    const v = await k.client.call('audit.verify', {});
    expect(v.ok).toBe(true);
  });
});
