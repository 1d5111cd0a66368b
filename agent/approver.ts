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

export interface Approver {
  /** Resolve true to let this one operation through; false (or a rejection) refuses it with APPROVAL_DENIED. */
  approve(request: ApprovalRequest): Promise<boolean>;
}

/** No one to ask: every guarded operation is refused. */
export const refuseAll: Approver = { approve: async () => false };
