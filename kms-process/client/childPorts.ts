// Parent-side ports over a child process: its private fd 3 pipe, or its stdin/stdout, both as NDJSON lines.
// A child can die between a call being queued and its write: that write fails (EPIPE) and closes the port, so the
// waiting calls fail UNAVAILABLE; no write error is ever left to become an uncaught exception.
import type { ChildProcess } from 'node:child_process';
import type { Duplex } from 'node:stream';
import { MAX_RESPONSE_BYTES, type Port } from '../api/index.js';
import { streamPort } from './lineStreamPort.js';

const exitReason = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `killed by ${signal}` : `exited with code ${code}`);
const errorCode = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code ?? (e instanceof Error ? e.name : 'error');

/**
 * The private pipe of a forked KMS (its fd 3, a socket pair): NDJSON lines like stdio, batched, with each side's
 * size limit applied to a line before it is parsed. It replaces Node's fork IPC channel, which parses a message of
 * any size into an object before any listener can refuse it (a 200 MB request reached 720 MB in the KMS).
 */
export function pipePort(child: ChildProcess): Port {
  const pipe = child.stdio[3] as Duplex | null | undefined;
  if (!pipe) throw new Error('child has no fd 3 pipe');
  const port = streamPort(pipe, pipe, { maxBytes: MAX_RESPONSE_BYTES, coalesce: true });
  const listeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    listeners.forEach((l) => l(reason));
  };
  port.onClose(close);
  child.on('exit', (code, signal) => close(exitReason(code, signal)));
  // Without a listener, an 'error' event (a failed kill) would throw in the parent.
  child.on('error', (e) => close(`child process error (${errorCode(e)})`));
  return { ...port, send: (message) => (closed ? undefined : port.send(message)), onClose: (l) => listeners.push(l) };
}

export function stdioPort(child: ChildProcess): Port {
  if (!child.stdout || !child.stdin) throw new Error('child has no stdio pipes');
  const port = streamPort(child.stdout, child.stdin, { maxBytes: MAX_RESPONSE_BYTES });
  const listeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of listeners) l(reason);
  };
  port.onClose(close);
  child.on('exit', (code, signal) => close(exitReason(code, signal)));
  child.on('error', (e) => close(`child process error (${errorCode(e)})`));
  return { ...port, send: (message) => (closed ? undefined : port.send(message)), onClose: (l) => listeners.push(l) };
}
