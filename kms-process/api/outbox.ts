// Gathers the messages one side of a process channel produces in one turn of the event loop and sends them as one
// JSON-RPC batch (an array), so a burst of pipelined calls costs one channel write instead of one per call. Used
// only on the process channels (the fork pipe, Electron's port), whose both ends are this code; stdio stays one
// line per message for outside readers. On text ports each message is serialized once, here, and a batch never
// grows past the receiver's size limit (a message that is too large on its own goes alone, to be refused there).
// Nothing a port throws escapes: flush runs in an Immediate, where a throw would be an uncaught exception.
import type { Port } from './channelProtocol.js';
import { MAX_MESSAGE_BYTES } from './limits.js';

/** Most messages in one channel write. */
export const MAX_COALESCED = 256;

/** Told which messages a port refused to take (it threw); a peer that is gone is reported by the port's onClose. */
export type SendFailure = (messages: readonly object[], error: unknown) => void;

export interface OutboxOptions {
  /** Largest line the receiving side accepts (text ports). */
  maxBytes?: number;
  /** Refuse (return false for) a message the receiver would drop unread, instead of sending it. */
  refuseOversize?: boolean;
  onFailure?: SendFailure;
}

/** UTF-8 length, computed only when it could matter (JSON text is mostly ASCII). */
function utf8Length(text: string, limit: number): number {
  return text.length * 3 <= limit ? text.length : Buffer.byteLength(text, 'utf8');
}

interface Item {
  message: object;
  /** What the port sends: the message itself, or its JSON text on text ports. */
  payload: object | string;
}

export class Outbox {
  private pending: Item[] = [];
  private pendingBytes = 0;
  private scheduled = false;
  private readonly maxBytes: number;
  private readonly refuseOversize: boolean;
  private readonly onFailure: SendFailure;

  constructor(
    private readonly port: Port,
    private readonly coalesce: boolean,
    options: OutboxOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? MAX_MESSAGE_BYTES;
    this.refuseOversize = options.refuseOversize ?? false;
    this.onFailure = options.onFailure ?? (() => {});
  }

  /** False when the message was refused as too large for the receiver (text ports with refuseOversize). */
  send(message: object): boolean {
    let payload: object | string = message;
    if (this.port.text) {
      try {
        payload = JSON.stringify(message);
      } catch (e) {
        this.onFailure([message], e); // a message that cannot be encoded (a BigInt, a cycle) fails alone
        return true;
      }
    }
    const bytes = typeof payload === 'string' ? utf8Length(payload, this.maxBytes) : 0;
    if (bytes > this.maxBytes && this.refuseOversize) return false;
    if (!this.coalesce) {
      this.deliver([{ message, payload }]);
      return true;
    }
    if (typeof payload === 'string') {
      // Brackets and commas: one byte per message plus two.
      if (this.pending.length > 0 && this.pendingBytes + bytes + this.pending.length + 2 > this.maxBytes) this.flush();
      this.pendingBytes += bytes;
    }
    this.pending.push({ message, payload });
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
    this.deliver(batch);
  }

  /** One write for the whole batch; a batch the port refused is tried message by message, so one bad message fails alone. */
  private deliver(items: readonly Item[]): void {
    const payload =
      items.length === 1 ? items[0]!.payload
      : this.port.text ? `[${items.map((i) => i.payload as string).join(',')}]`
      : items.map((i) => i.payload as object);
    try {
      this.port.send(payload);
    } catch (e) {
      if (items.length === 1) return this.onFailure([items[0]!.message], e);
      for (const i of items) this.deliver([i]);
    }
  }
}
