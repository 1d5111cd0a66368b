// The audit log: one row per operation (caller, method, key id, outcome, time; never data or secrets), each MAC
// chained to the previous one. Rows written while locked wait unsealed and are chained at the next unlock.
import { timingSafeEqual } from 'node:crypto';
import type { AuditEntry } from '../api/index.js';
import { canonical } from '../keystore/canonical.js';
import type { Db } from '../keystore/database.js';
import type { DerivedKeys } from '../keystore/derivedKeys.js';

export interface AuditRecord {
  caller: string;
  method: string;
  keyId?: string | undefined;
  outcome: string;
}

interface Row {
  seq: number;
  at: number;
  caller: string;
  method: string;
  key_id: string | null;
  outcome: string;
  mac: Buffer | null;
}

export const GENESIS = Buffer.alloc(32);

function entryBytes(prev: Uint8Array, r: Omit<Row, 'mac'>): Buffer {
  return canonical('owkms/audit/v1', [prev, r.seq, r.at, r.caller, r.method, r.key_id, r.outcome]);
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  unsealed: number;
  firstBadSeq?: number;
  reason?: string;
}

export class AuditLog {
  private readonly insert;
  private readonly unsealedRows;
  private readonly setMac;
  private readonly maxSeqStmt;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit (seq, at, caller, method, key_id, outcome, mac) VALUES (?, ?, ?, ?, ?, ?, ?)');
    this.unsealedRows = db.prepare('SELECT * FROM audit WHERE mac IS NULL ORDER BY seq');
    this.setMac = db.prepare('UPDATE audit SET mac = ? WHERE seq = ?');
    this.maxSeqStmt = db.prepare('SELECT max(seq) FROM audit').pluck();
  }

  private maxSeq(): number {
    return (this.maxSeqStmt.get() as number | null) ?? 0;
  }

  /**
   * Append entries. With `chain` (unlocked) they are chained now from the head recorded in the MACed metadata
   * (never from whatever the table ends with, so removed entries stay detectable); without it they wait unsealed
   * for `sealPending`. Returns the new head when chained.
   */
  append(records: readonly AuditRecord[], chain?: { dk: DerivedKeys; head: { seq: number; mac: Buffer } }): { seq: number; mac: Buffer } | undefined {
    let seq = Math.max(this.maxSeq(), chain?.head.seq ?? 0);
    let mac = chain?.head.mac ?? GENESIS;
    const at = Date.now();
    for (const r of records) {
      seq += 1;
      const row = { seq, at, caller: r.caller, method: r.method, key_id: r.keyId ?? null, outcome: r.outcome };
      const m = chain ? chain.dk.hmac('audit-chain', entryBytes(mac, row)) : null;
      if (m) mac = m;
      this.insert.run(seq, at, row.caller, row.method, row.key_id, row.outcome, m);
    }
    return chain ? { seq, mac } : undefined;
  }

  /**
   * Chain the rows written while locked (at unlock, inside the unlock transaction), continuing from the head
   * recorded in the MACed metadata, not from whatever the table ends with: a truncated tail stays detectable.
   * Returns the new head, or undefined when nothing was pending.
   */
  sealPending(dk: DerivedKeys, head: { seq: number; mac: Buffer }): { seq: number; mac: Buffer } | undefined {
    const rows = this.unsealedRows.all() as Row[];
    let { seq, mac } = head;
    for (const row of rows) {
      mac = dk.hmac('audit-chain', entryBytes(mac, row));
      this.setMac.run(mac, row.seq);
      seq = row.seq;
    }
    return rows.length > 0 ? { seq, mac } : undefined;
  }

  list(after: number, limit: number): { entries: AuditEntry[]; last?: number } {
    const rows = this.db.prepare('SELECT * FROM audit WHERE seq > ? ORDER BY seq LIMIT ?').all(after, limit) as Row[];
    const entries = rows.map((r) => ({
      seq: r.seq,
      at: new Date(r.at).toISOString(),
      caller: r.caller,
      method: r.method,
      ...(r.key_id ? { keyId: r.key_id } : {}),
      outcome: r.outcome,
    }));
    return { entries, last: rows.length === limit ? rows.at(-1)!.seq : undefined };
  }

  /** Walk the chain from the start; `head` is the last sealed (seq, mac) recorded in the MACed metadata. */
  verify(dk: DerivedKeys, head: { seq: number; mac: string }): AuditVerdict {
    let prev: Buffer = GENESIS;
    let expectedSeq = 1;
    let entries = 0;
    let unsealed = 0;
    let lastSealedSeq = 0;
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Row>) {
      entries++;
      if (row.seq !== expectedSeq) return { ok: false, entries, unsealed, firstBadSeq: row.seq, reason: 'an entry is missing' };
      expectedSeq++;
      if (row.mac === null) {
        unsealed++;
        continue;
      }
      if (unsealed > 0) return { ok: false, entries, unsealed, firstBadSeq: row.seq, reason: 'a sealed entry follows an unsealed one' };
      const expected = dk.hmac('audit-chain', entryBytes(prev, row));
      if (row.mac.length !== expected.length || !timingSafeEqual(row.mac, expected)) {
        return { ok: false, entries, unsealed, firstBadSeq: row.seq, reason: 'an entry was edited, removed or reordered' };
      }
      prev = row.mac;
      lastSealedSeq = row.seq;
    }
    // The head is written in the same transaction as every sealed append, so it must name the last sealed entry.
    if (head.seq !== lastSealedSeq || head.mac !== prev.toString('base64url')) {
      return { ok: false, entries, unsealed, firstBadSeq: Math.min(head.seq, lastSealedSeq) + 1, reason: 'entries at the end of the log were removed or added' };
    }
    return { ok: true, entries, unsealed };
  }
}
