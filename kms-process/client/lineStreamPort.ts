// Newline-delimited JSON over a pair of byte streams (the KMS's stdin/stdout, or a child's from the parent side).
// Lines longer than the message limit are dropped whole and answered as too large, never buffered without end.
import type { Readable, Writable } from 'node:stream';
import type { Port } from '../api/channelProtocol.js';
import { MAX_MESSAGE_BYTES } from '../api/limits.js';
import { MESSAGE_TOO_LARGE } from '../api/rpc.js';

export function lineSplitter(onLine: (line: string) => void, maxBytes: number = MAX_MESSAGE_BYTES) {
  let parts: Buffer[] = [];
  let size = 0;
  let skipping = false;
  return (chunk: Buffer) => {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl;
      const piece = chunk.subarray(start, end);
      if (!skipping) {
        if (size + piece.length > maxBytes) {
          skipping = true;
          parts = [];
          size = 0;
        } else {
          parts.push(piece);
          size += piece.length;
        }
      }
      if (nl === -1) return;
      if (skipping) onLine(MESSAGE_TOO_LARGE);
      else {
        const line = Buffer.concat(parts, size).toString('utf8').replace(/\r$/, '');
        if (line.trim().length > 0) onLine(line);
      }
      parts = [];
      size = 0;
      skipping = false;
      start = nl + 1;
    }
  };
}

export interface StreamPortOptions {
  /** Longest line accepted (default MAX_MESSAGE_BYTES: what the KMS takes; a parent reading answers takes more). */
  maxBytes?: number;
  /** Both ends are this code and accept a batch (an array) in one line (the fork pipe; never stdio). */
  coalesce?: boolean;
}

export function streamPort(input: Readable, output: Writable, options: StreamPortOptions = {}): Port {
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  input.on('end', () => close('input closed'));
  input.on('close', () => close('input closed'));
  input.on('error', (e) => close(`input failed (${(e as NodeJS.ErrnoException).code ?? e.name})`));
  // A write to a peer that is gone fails with EPIPE as an 'error' event here, never as an uncaught exception.
  output.on('error', (e) => close(`output failed (${(e as NodeJS.ErrnoException).code ?? e.name})`));
  return {
    text: true,
    coalesce: options.coalesce === true,
    send: (message) => {
      if (closed || output.destroyed || output.writableEnded) return;
      const line = (typeof message === 'string' ? message : JSON.stringify(message)) + '\n';
      output.write(line, (err) => {
        if (err) close(`output failed (${(err as NodeJS.ErrnoException).code ?? err.name})`);
      });
    },
    onMessage: (listener) => {
      input.on('data', lineSplitter(listener, options.maxBytes));
    },
    onClose: (listener) => closeListeners.push(listener),
    close: () => {
      input.destroy();
      output.end();
      close('closed');
    },
  };
}
