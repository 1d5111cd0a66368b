// Guarded keys (policy requiresApproval) used through the agent: the agent asks an Approver before it forwards the
// operation. The desktop app implements it with its trusted prompt; `owkms agent` asks on its own terminal, or
// refuses (APPROVAL_DENIED) when it has none.
import type { PeerCredentials } from '../native/peercred/index.js';

export interface ApprovalRequest {
  /** Which kind of client asks: an owkms session or the PKCS#11 module (loaded by some other program). */
  role: 'cli' | 'pkcs11';
  peer: PeerCredentials & { exe?: string | undefined };
  method: string;
  keyId: string;
  keyLabel: string;
  algorithm: string;
  /** One line for the prompt: what is about to happen (never data or secrets). */
  summary: string;
}

/** An owkms client without the session token asks for `cli` rights for its terminal session (the desktop app). */
export interface SessionRequest {
  peer: PeerCredentials & { exe?: string | undefined };
  sid: number;
  /** The session leader's program name (a shell, usually). */
  leader: string | undefined;
  /** How long the approval lasts (it also ends when the wallet locks). */
  rememberMs: number;
}

export interface Approver {
  /** Resolve true to let this one operation through; false (or a rejection) refuses it with APPROVAL_DENIED. */
  approve(request: ApprovalRequest): Promise<boolean>;
  /** Resolve true to give the terminal session `cli` rights; absent, only the session token does. */
  approveSession?(request: SessionRequest): Promise<boolean>;
}

/** No one to ask: every guarded operation is refused. */
export const refuseAll: Approver = { approve: async () => false };
