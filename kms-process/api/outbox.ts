// Gathers the messages one side of a process channel produces in one turn of the event loop and sends them as one
// JSON-RPC batch (an array), so a burst of pipelined calls costs one channel write instead of one per call. Used
// only on the process channels (the fork pipe, Electron's port), whose both ends are this code; stdio stays one
// line per message for outside readers. On text ports each message is serialized once, here, and a batch never
// grows past the receiver's size limit (a message that is too large on its own goes alone, to be refused there).
import type { Port } from './channelProtocol.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

/** Most messages in one channel write. */
export const MAX_COALESCED = 256;

/** UTF-8 length, computed only when it could matter (JSON text is mostly ASCII). */
function utf8Length(text: string, limit: number): number {
  return text.length * 3 <= limit ? text.length : Buffer.byteLength(text, 'utf8');
}

export class Outbox {
  private pending: Array<object | string> = [];
  private pendingBytes = 0;
  private scheduled = false;

  constructor(
    private readonly port: Port,
    private readonly coalesce: boolean,
    /** Largest line the receiving side accepts (text ports). */
    private readonly maxBytes: number = MAX_MESSAGE_BYTES,
    /** Refuse (return false for) a message the receiver would drop unread, instead of sending it. */
    private readonly refuseOversize = false,
  ) {}

  /** False when the message was refused as too large for the receiver (text ports with refuseOversize). */
  send(message: object): boolean {
    const item = this.port.text ? JSON.stringify(message) : message;
    const bytes = typeof item === 'string' ? utf8Length(item, this.maxBytes) : 0;
    if (bytes > this.maxBytes && this.refuseOversize) return false;
    if (!this.coalesce) {
      this.port.send(item);
      return true;
    }
    if (typeof item === 'string') {
      // Brackets and commas: one byte per message plus two.
      if (this.pending.length > 0 && this.pendingBytes + bytes + this.pending.length + 2 > this.maxBytes) this.flush();
      this.pendingBytes += bytes;
    }
    this.pending.push(item);
    if (this.pending.length >= MAX_COALESCED) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
    return true;
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    if (batch.length === 1) return this.port.send(batch[0]!);
    this.port.send(this.port.text ? `[${(batch as string[]).join(',')}]` : batch);
  }
}
