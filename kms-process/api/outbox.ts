// Gathers the messages one side of a process channel produces in one turn of the event loop and sends them as one
// JSON-RPC batch (an array), so a burst of pipelined calls costs one channel write instead of one per call. Used
// only on the process channels (fork IPC, Electron port), whose both ends are this code; stdio stays one line per
// message for outside readers.
import type { Port } from './channelProtocol.js';

/** Most messages in one channel write. */
export const MAX_COALESCED = 256;

/** Told which messages a port refused to take (it threw); a peer that is gone is reported by the port's onClose. */
export type SendFailure = (messages: readonly object[], error: unknown) => void;

export class Outbox {
  private pending: object[] = [];
  private scheduled = false;

  constructor(
    private readonly port: Port,
    private readonly coalesce: boolean,
    private readonly onFailure: SendFailure = () => {},
  ) {}

  send(message: object): void {
    if (!this.coalesce) return this.deliver([message], message);
    this.pending.push(message);
    if (this.pending.length >= MAX_COALESCED) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    this.deliver(batch, batch.length === 1 ? batch[0]! : batch);
  }

  /**
   * Nothing a port throws escapes: flush runs in an Immediate, where a throw would be an uncaught exception. A batch
   * the port refused is tried message by message, so one message that cannot be encoded fails alone.
   */
  private deliver(messages: readonly object[], payload: object): void {
    try {
      this.port.send(payload);
    } catch (e) {
      if (messages.length === 1) return this.onFailure(messages, e);
      for (const m of messages) this.deliver([m], m);
    }
  }
}
