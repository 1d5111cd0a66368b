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
  return {
    coalesce: true,
    send: (message) => pp.postMessage(message),
    onMessage: (listener) => pp.on('message', (e) => listener(e.data)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => {
      for (const l of closeListeners) l('closed');
    },
  };
}

/** Node's child_process.fork channel (serialization 'json': Node encodes and parses each message once). */
export function nodeIpcPort(): Port | undefined {
  if (typeof process.send !== 'function') return undefined;
  return {
    coalesce: true,
    send: (message) => {
      if (process.connected) process.send!(message);
    },
    onMessage: (listener) => process.on('message', (m: unknown) => listener(m)),
    onClose: (listener) => process.on('disconnect', () => listener('parent disconnected')),
    close: () => process.disconnect?.(),
  };
}
