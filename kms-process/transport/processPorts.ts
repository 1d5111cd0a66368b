// The KMS side of the two process channels: Electron's utilityProcess parentPort and the private pipe a Node
// parent gives a forked KMS on fd 3. Both carry JSON text; the channel server checks each message's size before
// parsing it (rpc.ts), so an oversized request is refused without ever becoming an object.
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Port } from '../api/channelProtocol.js';
import { NOT_TEXT } from '../api/rpc.js';
import { streamPort } from '../client/lineStreamPort.js';

interface ParentPort {
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

/**
 * Electron utilityProcess: `process.parentPort` exists only there. Main posts each message as JSON text (a
 * string); Electron copies the string, and its length is checked before anything is parsed. An object posted
 * instead is refused (its structured clone is already built; the parent must send text).
 */
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
    text: true,
    coalesce: true,
    send: (message) => {
      if (!closed) pp.postMessage(typeof message === 'string' ? message : JSON.stringify(message));
    },
    onMessage: (listener) => pp.on('message', (e) => listener(typeof e.data === 'string' ? e.data : NOT_TEXT)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => close('closed'),
  };
}

/** The fork pipe: fd 3, a socket pair made by the parent (KmsHost); lines over MAX_MESSAGE_BYTES are dropped unread. */
export function forkPipePort(fd = 3): Port | undefined {
  try {
    if (!fstatSync(fd).isSocket()) return undefined;
  } catch {
    return undefined;
  }
  const socket = new Socket({ fd, readable: true, writable: true });
  return streamPort(socket, socket, { coalesce: true });
}
