// Gathers the messages one side of a process channel produces in one turn of the event loop and sends them as one
// JSON-RPC batch (an array), so a burst of pipelined calls costs one channel write instead of one per call. Used
// only on the process channels (fork IPC, Electron port), whose both ends are this code; stdio stays one line per
// message for outside readers.
import type { Port } from './channelProtocol.js';

/** Most messages in one channel write. */
export const MAX_COALESCED = 256;

export class Outbox {
  private pending: object[] = [];
  private scheduled = false;

  constructor(
    private readonly port: Port,
    private readonly coalesce: boolean,
  ) {}

  send(message: object): void {
    if (!this.coalesce) return this.port.send(message);
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
    this.port.send(batch.length === 1 ? batch[0]! : batch);
  }
}
