// The channel between a parent (main, cli, tests) and the KMS process: a Port that carries JSON text, and the
// handshake that authenticates the parent with a token it gave the KMS at spawn.
import type { Caller } from './callers.js';

/**
 * One duplex message pipe: Electron's parentPort, the private pipe of a forked KMS (fd 3), or newline-delimited
 * stdio. Every port the KMS reads from carries JSON text (`text: true`): the receiver checks the size of each
 * message before parsing it, so an oversized message never becomes an object (Node's own fork IPC and Electron's
 * structured clone would build it whole first). `send` takes a value or, on a text port, JSON text from the Outbox.
 */
export interface Port {
  /**
   * Never reports a dead peer by throwing or by an 'error' event: a message that cannot be delivered closes the port
   * (onClose listeners run), which fails the calls waiting on it. It may throw only for a message it cannot encode.
   */
  send(message: object | string): void;
  /** Messages are JSON text (serialized by the sender's Outbox, parsed by the receiver under its size limit). */
  readonly text?: boolean;
  /** Whether both ends are this code and accept a JSON-RPC batch (an array) where one message would do. */
  readonly coalesce?: boolean;
  onMessage(listener: (message: unknown) => void): void;
  onClose(listener: (reason: string) => void): void;
  close(): void;
}

/** Environment variable that carries the channel token to the KMS; the KMS deletes it at start. */
export const CHANNEL_TOKEN_ENV = 'OWKMS_CHANNEL_TOKEN';

/** The first request on every channel. Until it succeeds the KMS answers nothing else. */
export const HELLO_METHOD = 'channel.hello';

export interface HelloParams {
  token: string;
  /** Callers this parent speaks for; each request names one of them in the envelope's `caller` (default: first). */
  callers: Caller[];
}

export interface HelloResult {
  pid: number;
  version: string;
}

/** Failed handshakes before the KMS closes the channel. */
export const MAX_HELLO_FAILURES = 3;
