// The audit log: one row per operation (caller, method, key id, outcome, time, and a count for aggregated rows;
// never data or secrets), each MAC chained to the previous sealed one. Rows written while locked cannot be
// authenticated (no key exists then) and stay unsealed for good: audit.verify and audit.list report them as
// unauthenticated, never as verified. They still hold their place in the sequence, so removing one is noticed.
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
  /** How many calls this entry stands for (aggregated rejections and reads); 1 when absent. */
  count?: number | undefined;
}

interface Row {
  seq: number;
  at: number;
  caller: string;
  method: string;
  key_id: string | null;
  outcome: string;
  mac: Buffer | null;
  count: number;
}

export const GENESIS = Buffer.alloc(32);

function entryBytes(prev: Uint8Array, r: Omit<Row, 'mac'>): Buffer {
  // Entries of one call keep the version-1 bytes, so logs written before counts existed still verify.
  if (r.count === 1) return canonical('owkms/audit/v1', [prev, r.seq, r.at, r.caller, r.method, r.key_id, r.outcome]);
  return canonical('owkms/audit/v2', [prev, r.seq, r.at, r.caller, r.method, r.key_id, r.outcome, r.count]);
}

/** At most this many unauthenticated sequence numbers are listed by audit.verify (the count is always exact). */
const MAX_LISTED_UNAUTHENTICATED = 100;

export interface AuditVerdict {
  /** The authenticated chain is whole: no sealed entry edited, removed, reordered or added. */
  ok: boolean;
  entries: number;
  /** Entries written while locked: in sequence, but not authenticated (anyone with the file could have written them). */
  unsealed: number;
  unauthenticatedSeqs: number[];
  firstBadSeq?: number;
  reason?: string;
}

export class AuditLog {
  private readonly insert;
  private readonly maxSeqStmt;

  constructor(private readonly db: Db) {
    this.insert = db.prepare('INSERT INTO audit (seq, at, caller, method, key_id, outcome, mac, count) VALUES (?, ?, ?, ?, ?, ?, ?, ?)');
    this.maxSeqStmt = db.prepare('SELECT max(seq) FROM audit').pluck();
  }

  private maxSeq(): number {
    return (this.maxSeqStmt.get() as number | null) ?? 0;
  }

  /**
   * Append entries. With `chain` (unlocked) they are chained now from the head recorded in the MACed metadata
   * (never from whatever the table ends with, so removed entries stay detectable); without it (locked) they stay
   * unsealed. Returns the new head when chained.
   */
  append(records: readonly AuditRecord[], chain?: { dk: DerivedKeys; head: { seq: number; mac: Buffer } }): { seq: number; mac: Buffer } | undefined {
    let seq = Math.max(this.maxSeq(), chain?.head.seq ?? 0);
    let mac = chain?.head.mac ?? GENESIS;
    const at = Date.now();
    for (const r of records) {
      seq += 1;
      const row = { seq, at, caller: r.caller, method: r.method, key_id: r.keyId ?? null, outcome: r.outcome, count: r.count ?? 1 };
      const m = chain ? chain.dk.hmac('audit-chain', entryBytes(mac, row)) : null;
      if (m) mac = m;
      this.insert.run(seq, at, row.caller, row.method, row.key_id, row.outcome, m, row.count);
    }
    return chain ? { seq, mac } : undefined;
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
      ...(r.count !== 1 ? { count: r.count } : {}),
      ...(r.mac === null ? { authenticated: false as const } : {}),
    }));
    return { entries, last: rows.length === limit ? rows.at(-1)!.seq : undefined };
  }

  /** Walk the chain from the start; `head` is the last sealed (seq, mac) recorded in the MACed metadata. */
  verify(dk: DerivedKeys, head: { seq: number; mac: string }): AuditVerdict {
    let prev: Buffer = GENESIS;
    let expectedSeq = 1;
    let entries = 0;
    let unsealed = 0;
    const unauthenticatedSeqs: number[] = [];
    let lastSealedSeq = 0;
    const bad = (firstBadSeq: number, reason: string): AuditVerdict => ({ ok: false, entries, unsealed, unauthenticatedSeqs, firstBadSeq, reason });
    for (const row of this.db.prepare('SELECT * FROM audit ORDER BY seq').iterate() as IterableIterator<Row>) {
      entries++;
      if (row.seq !== expectedSeq) return bad(row.seq, 'an entry is missing');
      expectedSeq++;
      if (row.mac === null) {
        unsealed++;
        if (unauthenticatedSeqs.length < MAX_LISTED_UNAUTHENTICATED) unauthenticatedSeqs.push(row.seq);
        continue;
      }
      const expected = dk.hmac('audit-chain', entryBytes(prev, row));
      if (row.mac.length !== expected.length || !timingSafeEqual(row.mac, expected)) {
        return bad(row.seq, 'an entry was edited, removed or reordered');
      }
      prev = row.mac;
      lastSealedSeq = row.seq;
    }
    // The head is written in the same transaction as every sealed append, so it must name the last sealed entry.
    if (head.seq !== lastSealedSeq || head.mac !== prev.toString('base64url')) {
      return bad(Math.min(head.seq, lastSealedSeq) + 1, 'entries at the end of the log were removed or added');
    }
    return { ok: true, entries, unsealed, unauthenticatedSeqs };
  }
}
