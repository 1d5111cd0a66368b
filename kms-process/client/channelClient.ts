// The parent side of the channel: one call in, one promise out; request ids, per-request timeouts, typed errors
// rebuilt from the wire, and every pending call failed when the port closes.
// Zod-free parts of the contract only: owkms sessions start this client in a fresh process, and loading the schemas
// would cost more than the call itself.
import { HELLO_METHOD, type HelloResult, type Port } from '../api/channelProtocol.js';
import { KmsError } from '../api/errors.js';
import { Outbox } from '../api/outbox.js';
import { errorFromResponse, errorResponse, isResponse, parseRequestText } from '../api/rpc.js';
import type { Caller, MethodName, Params, Result } from '../api/index.js';
import { MAX_MESSAGE_BYTES } from '../api/limits.js';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: KmsError) => void;
  timer: NodeJS.Timeout | undefined;
}

export interface CallOptions {
  timeoutMs?: number;
  /** Which of the channel's callers this call is for (set by the broker, never by the renderer). */
  caller?: Caller;
}

export const DEFAULT_TIMEOUT_MS = 30_000;

export class ChannelClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private closedReason: string | undefined;
  private readonly outbox: Outbox;

  constructor(
    private readonly port: Port,
    private readonly defaultTimeoutMs: number = DEFAULT_TIMEOUT_MS,
  ) {
    this.outbox = new Outbox(port, port.coalesce === true, {
      maxBytes: MAX_MESSAGE_BYTES,
      refuseOversize: true,
      onFailure: (messages) => {
        for (const m of messages) {
          const id = (m as { id?: unknown }).id;
          if (typeof id === 'number') this.settle(id, (p) => p.reject(this.unsendable()));
        }
      },
    });
    port.onMessage((message) => {
      let value: unknown = message;
      if (typeof message === 'string') {
        try {
          value = JSON.parse(message);
        } catch {
          return; // a line that is not JSON cannot be matched to a call; the call times out instead
        }
      }
      if (Array.isArray(value)) for (const m of value) this.onMessage(m);
      else this.onMessage(value);
    });
    port.onClose((reason) => this.failAll(reason));
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  private onMessage(message: unknown): void {
    const msg = message as { id?: unknown; result?: unknown; error?: unknown };
    if (msg === null || typeof msg !== 'object') return;
    if (typeof msg.id !== 'number') return;
    // A late answer to a call that timed out finds nothing to settle.
    this.settle(msg.id, (p) => ('error' in msg ? p.reject(errorFromResponse(msg.error)) : p.resolve(msg.result)));
  }

  private settle(id: number, how: (p: Pending) => void): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.pending.delete(id);
    if (p.timer) clearTimeout(p.timer);
    how(p);
  }

  /** Why a message the port refused failed: the KMS is gone, or the message cannot be encoded for the channel. */
  private unsendable(): KmsError {
    if (this.closedReason !== undefined) return new KmsError('UNAVAILABLE', `the KMS is gone (${this.closedReason})`);
    return new KmsError('INVALID_REQUEST', 'the request cannot be encoded for the KMS channel');
  }

  private readonly closeListeners: Array<(reason: string) => void> = [];

  /** Hear the channel close (the KMS gone, or its pipe closed), in the same turn its pending calls fail. */
  onClose(listener: (reason: string) => void): void {
    if (this.closedReason !== undefined) listener(this.closedReason);
    else this.closeListeners.push(listener);
  }

  private failAll(reason: string): void {
    if (this.closedReason === undefined) for (const l of this.closeListeners.splice(0)) l(reason);
    this.closedReason = reason;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      if (p.timer) clearTimeout(p.timer);
      p.reject(new KmsError('UNAVAILABLE', `the KMS is gone (${reason})`));
    }
  }

  /** Send a raw request (used by `owkms rpc` and tests); resolves with the raw response object. */
  private send(method: string, params: unknown, options: CallOptions = {}): Promise<unknown> {
    if (this.closedReason !== undefined) return Promise.reject(new KmsError('UNAVAILABLE', `the KMS is gone (${this.closedReason})`));
    const id = this.nextId++;
    const timeoutMs = options.timeoutMs ?? this.defaultTimeoutMs;
    return new Promise((resolve, reject) => {
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              this.pending.delete(id);
              reject(new KmsError('TIMEOUT', `${method} did not answer within ${timeoutMs} ms`));
            }, timeoutMs)
          : undefined;
      const msg: Record<string, unknown> = { jsonrpc: '2.0', id, method, params };
      if (options.caller) msg.caller = options.caller;
      this.pending.set(id, { resolve, reject, timer });
      // The KMS drops a message over the limit unread (and cannot say which call it was): refuse it here.
      if (!this.outbox.send(msg)) {
        this.pending.delete(id);
        if (timer) clearTimeout(timer);
        reject(new KmsError('INVALID_REQUEST', 'message too large'));
      }
    });
  }

  call<M extends MethodName>(method: M, params: Params<M>, options?: CallOptions): Promise<Result<M>> {
    return this.send(method, params, options) as Promise<Result<M>>;
  }

  /** A method by name with unchecked params (for transports that forward what others sent, like `owkms rpc`). */
  callUnchecked(method: string, params: unknown, options?: CallOptions): Promise<unknown> {
    return this.send(method, params, options);
  }

  /**
   * Forward one JSON-RPC text from an outside sender (`owkms rpc`) and return the answer text with the sender's
   * own id. Envelope errors are answered here exactly as the KMS would; everything else is checked by the KMS.
   */
  async forwardRaw(text: string): Promise<string> {
    const req = parseRequestText(text);
    if (isResponse(req)) return JSON.stringify(req);
    try {
      const result = await this.send(req.method, req.params, req.caller ? { caller: req.caller as Caller } : {});
      return JSON.stringify({ jsonrpc: '2.0', id: req.id, result });
    } catch (e) {
      const err = e instanceof KmsError ? e : new KmsError('INTERNAL', 'forwarding failed');
      return JSON.stringify(errorResponse(req.id, err));
    }
  }

  hello(token: string, callers: Caller[]): Promise<HelloResult> {
    return this.send(HELLO_METHOD, { token, callers }) as Promise<HelloResult>;
  }

  close(): void {
    this.port.close();
  }
}
