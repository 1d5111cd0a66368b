// The KMS side of the two process channels: Electron's utilityProcess parentPort and Node's fork IPC.
import type { Port } from '../api/channelProtocol.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** Electron utilityProcess: `process.parentPort` exists only there. */
export function electronParentPort(): Port | undefined {
  const pp = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!pp) return undefined;
  const closeListeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  return {
    coalesce: true,
    send: (message) => {
      if (!closed) pp.postMessage(message);
    },
    onMessage: (listener) => pp.on('message', (e) => listener(e.data)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => close('closed'),
  };
}

/** Node's child_process.fork channel (serialization 'json': Node encodes and parses each message once). */
export function nodeIpcPort(): Port | undefined {
  if (typeof process.send !== 'function') return undefined;
  const closeListeners: Array<(r: string) => void> = [];
  let closed = false;
  const close = (reason: string) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(reason);
  };
  process.on('disconnect', () => close('parent disconnected'));
  return {
    coalesce: true,
    send: (message) => {
      if (closed || !process.connected) return;
      // With a callback, a write to a parent that is gone (EPIPE) is reported here, not as an 'error' event that
      // would reach the uncaughtException handler.
      process.send!(message, undefined, undefined, (err: Error | null) => {
        if (err) close(`parent channel failed (${(err as NodeJS.ErrnoException).code ?? err.name})`);
      });
    },
    onMessage: (listener) => process.on('message', (m: unknown) => listener(m)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => process.disconnect?.(),
  };
}
