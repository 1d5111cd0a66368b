// Parent-side ports over a child process: Node's fork IPC channel, or the child's stdin/stdout as NDJSON lines.
import type { ChildProcess } from 'node:child_process';
import type { Port } from '../api/index.js';
import { streamPort } from './lineStreamPort.js';

export function forkPort(child: ChildProcess): Port {
  const closeListeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  child.on('disconnect', () => close('channel closed'));
  child.on('exit', (code, signal) => close(signal ? `killed by ${signal}` : `exited with code ${code}`));
  return {
    coalesce: true,
    send: (message) => {
      if (!closed && child.connected) child.send(message);
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
  port.onClose((r) => listeners.forEach((l) => l(r)));
  child.on('exit', (code, signal) => listeners.forEach((l) => l(signal ? `killed by ${signal}` : `exited with code ${code}`)));
  return { ...port, onClose: (l) => listeners.push(l) };
}
