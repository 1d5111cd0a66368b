// Audit entries for operations that change nothing else (sign, encrypt, list...) are gathered and written in one
// transaction at most every few milliseconds, so neither a commit nor an fsync is paid per signature. Writes that
// change the keystore flush this first and append their own entry inside their own transaction. The cost: a KMS
// killed within FLUSH_DELAY_MS of a read-only operation may lose that operation's entry (never a key change's).
import type { AuditRecord } from './auditLog.js';

export const FLUSH_DELAY_MS = 10;
export const FLUSH_MAX_ENTRIES = 512;

export class AuditBatcher {
  private pending: AuditRecord[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly sink: (records: AuditRecord[]) => void) {}

  push(record: AuditRecord): void {
    this.pending.push(record);
    if (this.pending.length >= FLUSH_MAX_ENTRIES) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), FLUSH_DELAY_MS);
  }

  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    this.sink(records);
  }
}
