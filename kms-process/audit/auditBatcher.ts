// Audit entries for operations that change nothing else (sign, encrypt, list...) are gathered and written in one
// transaction at most every few milliseconds, so neither a commit nor an fsync is paid per signature. Writes that
// change the keystore flush this first and append their own entry inside their own transaction. The cost: a KMS
// killed within FLUSH_DELAY_MS of a read-only operation may lose that operation's entry (never a key change's).
//
// Rejected requests, and successful reads of public information, are counted instead of written one by one: one
// entry per (caller, method, outcome, key) and window, with a count, so a flood of refused calls from the renderer
// cannot grow the keystore without bound (at most AGGREGATE_MAX_GROUPS keyed groups per window; beyond that the key
// id is dropped from the group). A KMS killed mid-window loses that window's counts.
import type { AuditRecord } from './auditLog.js';

export const FLUSH_DELAY_MS = 10;
export const FLUSH_MAX_ENTRIES = 512;
export const AGGREGATE_WINDOW_MS = 60_000;
export const AGGREGATE_MAX_GROUPS = 64;

/** Successful calls that only read public information: counted like rejections, not logged one by one. */
export const AGGREGATED_OK_METHODS: ReadonlySet<string> = new Set(['keys.get', 'keys.list', 'crypto.verify', 'crypto.random']);

export function isAggregated(r: AuditRecord): boolean {
  return r.outcome !== 'ok' || AGGREGATED_OK_METHODS.has(r.method);
}

export class AuditBatcher {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;
  private readonly groups = new Map<string, AuditRecord & { count: number }>();
  private windowTimer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: (records: AuditRecord[]) => void) {}

  push(record: AuditRecord): void {
    if (isAggregated(record)) return this.count(record);
    this.pending.push(record);
    if (this.pending.length >= FLUSH_MAX_ENTRIES) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  private count(record: AuditRecord): void {
    let key = `${record.caller}\0${record.method}\0${record.outcome}\0${record.keyId ?? ''}`;
    let keyId = record.keyId;
    if (!this.groups.has(key) && this.groups.size >= AGGREGATE_MAX_GROUPS) {
      key = `${record.caller}\0${record.method}\0${record.outcome}\0`;
      keyId = undefined;
    }
    const g = this.groups.get(key);
    if (g) g.count++;
    else this.groups.set(key, { caller: record.caller, method: record.method, keyId, outcome: record.outcome, count: 1 });
    if (!this.windowTimer) {
      this.windowTimer = setTimeout(() => this.flushAll(), AGGREGATE_WINDOW_MS);
      this.windowTimer.unref();
    }
  }

  /** Write the entries gathered one by one (before a keystore write, which appends its own after them). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.sink(mergeRuns(records));
  }

  /** Also close the counting window (audit reads, lock, shutdown, or the window's end). */
  flushAll(): void {
    this.flush();
    if (this.windowTimer) clearTimeout(this.windowTimer);
    this.windowTimer = undefined;
    if (this.groups.size === 0) return;
    const records = [...this.groups.values()];
    this.groups.clear();
    this.sink(records);
  }
}

/** Consecutive records that differ in nothing but their place become one record with their count. */
export function mergeRuns(records: readonly AuditRecord[]): AuditRecord[] {
  const out: AuditRecord[] = [];
  let last: (AuditRecord & { count: number }) | undefined;
  for (const r of records) {
    const n = r.count ?? 1;
    if (last && last.caller === r.caller && last.method === r.method && last.keyId === r.keyId && last.outcome === r.outcome) {
      last.count += n;
      continue;
    }
    last = { caller: r.caller, method: r.method, keyId: r.keyId, outcome: r.outcome, count: n };
    out.push(last);
  }
  return out;
}
