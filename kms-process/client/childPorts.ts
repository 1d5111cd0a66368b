// Parent-side ports over a child process: Node's fork IPC channel, or the child's stdin/stdout as NDJSON lines.
// A child can die between a call being queued and its write: that write fails (EPIPE) and closes the port, so the
// waiting calls fail UNAVAILABLE; no write error is ever left to become an uncaught exception.
import type { ChildProcess } from 'node:child_process';
import type { Port } from '../api/index.js';
import { streamPort } from './lineStreamPort.js';

const exitReason = (code: number | null, signal: NodeJS.Signals | null) => (signal ? `killed by ${signal}` : `exited with code ${code}`);
const errorCode = (e: unknown) => (e as NodeJS.ErrnoException | null)?.code ?? (e instanceof Error ? e.name : 'error');

export function forkPort(child: ChildProcess): Port {
  const closeListeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  child.on('disconnect', () => close('channel closed'));
  child.on('exit', (code, signal) => close(exitReason(code, signal)));
  // Without a listener, an 'error' event (a failed send with no callback, a failed kill) would throw in the parent.
  child.on('error', (e) => close(`child process error (${errorCode(e)})`));
  return {
    coalesce: true,
    send: (message) => {
      if (closed || !child.connected) return;
      // With a callback, Node reports a failed write to it instead of emitting 'error' on the child.
      child.send(message, (err) => {
        if (err) close(`the KMS channel failed (${errorCode(err)})`);
      });
    },
    onMessage: (listener) => child.on('message', (m: unknown) => listener(m)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => {
      if (child.connected) child.disconnect();
    },
  };
}

export function stdioPort(child: ChildProcess): Port {
  if (!child.stdout || !child.stdin) throw new Error('child has no stdio pipes');
  const port = streamPort(child.stdout, child.stdin);
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
