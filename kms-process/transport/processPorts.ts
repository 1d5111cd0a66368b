// The KMS side of the two process channels: Electron's utilityProcess parentPort and Node's fork IPC.
import type { Port } from '../api/index.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/** Electron utilityProcess: `process.parentPort` exists only there. */
export function electronParentPort(): Port | undefined {
  const pp = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (!pp) return undefined;
  const closeListeners: Array<(r: string) => void> = [];
  return {
    send: (text) => pp.postMessage(text),
    onMessage: (listener) => pp.on('message', (e) => listener(typeof e.data === 'string' ? e.data : JSON.stringify(e.data))),
    onClose: (listener) => closeListeners.push(listener),
    close: () => {
      for (const l of closeListeners) l('closed');
    },
  };
}

/** Node's child_process.fork channel (serialization 'json'; messages are JSON text strings). */
export function nodeIpcPort(): Port | undefined {
  if (typeof process.send !== 'function') return undefined;
  return {
    send: (text) => {
      if (process.connected) process.send!(text);
    },
    onMessage: (listener) =>
      process.on('message', (m: unknown) => listener(typeof m === 'string' ? m : JSON.stringify(m ?? null))),
    onClose: (listener) => process.on('disconnect', () => listener('parent disconnected')),
    close: () => process.disconnect?.(),
  };
}
