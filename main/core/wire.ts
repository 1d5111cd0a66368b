// The messages between the preload and main: what the renderer may send, what it gets back, and what main pushes
// to it. Plain types and constants only, so the preload and the renderer can share them without code from main.
import type { ErrorKind } from '../../kms-process/api/errors.js';

/** The one IPC channel of the wallet bridge; the page never sees it (the preload holds it). */
export const WALLET_CHANNEL = 'wallet:call';
/** Main -> renderer: wallet state changes (locked by the KMS exiting, idle, or the user). */
export const WALLET_EVENT_CHANNEL = 'wallet:event';

/** Flows main runs itself with a trusted prompt; the renderer starts them and learns only the outcome. */
export const FLOW_METHODS = [
  'flow.createWallet',
  'flow.unlock',
  'flow.createSeed',
  'flow.restoreSeed',
  'flow.importKey',
  'flow.tokenLogin',
  'flow.getSettings',
  'flow.updateSettings',
  'flow.backup',
  'flow.restoreBackup',
] as const;
export type FlowMethod = (typeof FLOW_METHODS)[number];

/** What a backup the app saved holds, and where it went (never the file's bytes). */
export interface BackupSaved {
  saved: boolean;
  file?: string;
  bytes?: number;
  keys?: number;
  versions?: number;
  remotes?: number;
  createdAt?: string;
}

export interface BackupRestored {
  state: 'uninitialized' | 'unlocked';
  keys?: number;
  versions?: number;
  remotes?: number;
  backedUpAt?: string;
}

export interface WalletRequest {
  method: string;
  params?: unknown;
}

export interface WireError {
  kind: ErrorKind;
  message: string;
  retryAfterMs?: number;
  attemptsLeft?: number;
}

/** Electron's ipcMain.handle loses an Error's fields on the way back, so the outcome travels as data. */
export type WalletReply = { ok: true; result: unknown } | { ok: false; error: WireError };

export type WalletEvent =
  | { type: 'locked'; reason: 'kms-exited' | 'idle' | 'suspend' | 'screen-locked' | 'user' }
  | { type: 'unlocked' }
  | { type: 'unavailable'; message: string };

/** Trusted prompt channels: `prompt:<kind>:view|submit|cancel`, answered only for that prompt's own window. */
export const PROMPT_KINDS = ['unlock', 'create', 'pin', 'approval', 'mnemonic', 'restore', 'import', 'backup'] as const;
export type PromptKind = (typeof PROMPT_KINDS)[number];
export const promptChannel = (kind: PromptKind, action: 'view' | 'submit' | 'cancel') => `prompt:${kind}:${action}`;
