// The KMS side of the channel: authenticate the parent (token from spawn, constant-time compare), then parse
// each message and hand it to the dispatcher. Every message gets an answer on the same connection.
import { timingSafeEqual, createHash } from 'node:crypto';
// Only zod-free parts of the contract here: the channel answers its hello before the schemas have loaded.
import { CALLERS, type Caller } from '../api/callers.js';
import { HELLO_METHOD, MAX_HELLO_FAILURES, type Port } from '../api/channelProtocol.js';
import { KmsError } from '../api/errors.js';
import { MAX_BATCH_ITEMS, MAX_RESPONSE_BYTES } from '../api/limits.js';
import { Outbox } from '../api/outbox.js';
import { checkRequest, errorResponse, isResponse, parseMessageText, resultResponse, type RpcRequest, type RpcResponse } from '../api/rpc.js';
import type { Dispatcher } from '../dispatcher.js';

function sameToken(a: string, b: string): boolean {
  // Hash first so the comparison is constant-time whatever the lengths.
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

export class ChannelServer {
  private callers: Caller[] | undefined;
  private helloFailures = 0;
  private readonly outbox: Outbox;

  constructor(
    private readonly port: Port,
    private readonly token: string,
    /** Loaded in the background while the channel already answers its hello (see index.ts). */
    private readonly dispatcher: Promise<Dispatcher>,
    private readonly info: { pid: number; version: string },
  ) {
    // An answer the port cannot take is lost (its caller times out); say so without its contents.
    this.outbox = new Outbox(port, port.coalesce === true, {
      maxBytes: MAX_RESPONSE_BYTES,
      onFailure: (messages, e) =>
        process.stderr.write(`owkms-kms: ${messages.length} answer(s) could not be sent (${e instanceof Error ? e.name : typeof e})\n`),
    });
    port.onMessage((message) => {
      // Text (every port the KMS serves) is parsed here, its size checked first; only then is it an object.
      let value: unknown = message;
      if (typeof message === 'string') {
        const parsed = parseMessageText(message);
        if (!('value' in parsed)) return this.refuse(parsed);
        value = parsed.value;
      }
      // A batch from a coalescing peer: each element is a request of its own, answered on its own.
      if (Array.isArray(value) && port.coalesce && value.length > 0 && value.length <= MAX_BATCH_ITEMS) {
        for (const m of value) void this.onMessage(m);
      } else void this.onMessage(value);
    });
  }

  private refuse(r: RpcResponse): void {
    // Before the handshake, garbage counts like a failed hello: an unauthenticated peer cannot linger.
    if (!this.callers) this.countFailure();
    this.send(r);
  }

  private send(r: RpcResponse): void {
    this.outbox.send(r);
  }

  private async onMessage(message: unknown): Promise<void> {
    const req = checkRequest(message);
    if (isResponse(req)) return this.refuse(req);
    if (!this.callers) return this.send(this.hello(req));
    let dispatcher: Dispatcher;
    try {
      dispatcher = await this.dispatcher;
    } catch {
      return this.send(errorResponse(req.id, new KmsError('INTERNAL', 'the KMS failed to start')));
    }
    this.send(await dispatcher.handle(req, this.callers[0]!, this.callers));
  }

  private countFailure(): void {
    this.helloFailures++;
    if (this.helloFailures >= MAX_HELLO_FAILURES) setImmediate(() => this.port.close());
  }

  private hello(req: RpcRequest): RpcResponse {
    const p = req.params as { token?: unknown; callers?: unknown } | undefined;
    const callers = Array.isArray(p?.callers) ? p.callers : [];
    const ok =
      req.method === HELLO_METHOD &&
      typeof p?.token === 'string' &&
      sameToken(p.token, this.token) &&
      callers.length > 0 &&
      callers.length <= CALLERS.length &&
      callers.every((c) => (CALLERS as readonly unknown[]).includes(c));
    if (ok) {
      this.callers = callers as Caller[];
      return resultResponse(req.id, this.info);
    }
    this.countFailure();
    return errorResponse(req.id, new KmsError('POLICY_DENIED', 'the channel is not authenticated'));
  }
}
