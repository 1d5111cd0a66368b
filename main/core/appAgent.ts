// The desktop app as the local key service (issue 16): while the app runs, `owkms` and the PKCS#11 module reach its
// KMS over the agent's socket instead of starting their own. Guarded keys are approved in the app's trusted prompt;
// an owkms client without a session token gets `cli` rights only for a terminal session the person approved there
// (the app has no shell to print a token to). Plain Node: the Electron shell and the Chromium harness both use it.
import type { Caller } from '../../kms-process/api/callers.js';
import { KmsError } from '../../kms-process/api/errors.js';
import type { ApprovalRequest, Approver, SessionRequest } from '../../agent/approver.js';
import type { AgentKms } from '../../agent/agentContext.js';
import type { AgentServer } from '../../agent/agentServer.js';
import type { ApprovalQueue } from './approvalQueue.js';
import type { ApprovalView } from './approvalView.js';
import type { KmsSupervisor } from './supervisor.js';

/** How long an approved terminal session keeps `cli` rights (it also ends when the wallet locks). */
export const SESSION_APPROVAL_MS = 10 * 60_000;

export interface AppAgentOptions {
  supervisor: KmsSupervisor;
  approvals: ApprovalQueue;
  storeDir: string;
  socketPath: string;
  /** The wallet locked or unlocked through an owkms session (the window shows it). */
  onLockChange: (locked: boolean) => void;
}

function who(peer: ApprovalRequest['peer']): string {
  return `${peer.exe ?? 'a program'} (process ${peer.pid})`;
}

/** Approval views for the agent's two questions, shown in the same trusted prompt as the wallet window's. */
export function agentApprover(approvals: ApprovalQueue): Approver {
  return {
    approve: (r: ApprovalRequest) => {
      const view: ApprovalView = {
        method: r.method,
        action: r.role === 'pkcs11' ? 'Use a key through PKCS#11' : r.keyId ? 'Use a key from the command line' : `Let owkms run ${r.method}`,
        keyId: r.keyId,
        keyLabel: r.keyLabel,
        algorithm: r.algorithm,
        caller: `${r.role === 'pkcs11' ? 'PKCS#11 module in' : 'owkms,'} ${who(r.peer)}`,
        what: { kind: 'details', lines: [r.summary] },
      };
      return approvals.request(view);
    },
    approveSession: (r: SessionRequest) => {
      const minutes = Math.round(r.rememberMs / 60_000);
      const view: ApprovalView = {
        method: 'agent.session',
        action: 'Allow a command-line session',
        keyId: '',
        keyLabel: 'the keys owkms may use',
        algorithm: '',
        caller: `owkms, ${who(r.peer)}`,
        what: {
          kind: 'details',
          lines: [
            `Programs in terminal session ${r.sid}${r.leader ? ` (started by ${r.leader})` : ''} may use the wallet's keys as owkms does: sign, encrypt, decrypt, list, generate, export public keys.`,
            `For ${minutes} minutes, or until the wallet locks. Keys that need approval ask each time, and so do exporting a private key, deleting or importing keys, and changing how the wallet is guarded.`,
          ],
        },
      };
      return approvals.request(view);
    },
  };
}

/** The supervisor as the agent's KMS client: calls wait through a restart like the broker's do. */
function supervisorKms(supervisor: KmsSupervisor): AgentKms {
  const call = (method: string, params: unknown, o?: { caller?: Caller }) => {
    if (!o?.caller) return Promise.reject(new KmsError('INTERNAL', 'the agent must name the caller'));
    return supervisor.call(method, params, o.caller);
  };
  // The supervisor answers untyped JSON; the agent's typed `call` is used only for kms.status and keys.get.
  return { call, callUnchecked: call } as unknown as AgentKms;
}

/** Start the agent on `socketPath` over the app's KMS; the caller closes it when the app quits. */
export async function startAppAgent(o: AppAgentOptions): Promise<AgentServer> {
  const { AgentServer } = await import('../../agent/agentServer.js');
  let locked: boolean | undefined;
  const kms = supervisorKms(o.supervisor);
  const server = new AgentServer({
    kms: () => kms,
    storeDir: o.storeDir,
    socketPath: o.socketPath,
    lockAfterMs: 0, // the app's auto-lock rules the wallet's idle time
    approver: agentApprover(o.approvals),
    approveCli: true,
    ownCaller: 'app',
    sessionApprovalMs: SESSION_APPROVAL_MS,
    // owkms lock through a session: as the window's lock, the KMS process is replaced (issue 13).
    lockAndReplace: async () => {
      await o.supervisor.call('kms.lock', {}, 'app');
      await o.supervisor.replace().catch(() => undefined);
    },
    onLockChange: (now) => {
      if (now === locked) return; // a PKCS#11 call that found it locked is no news
      locked = now;
      o.onLockChange(now);
    },
  });
  await server.listen();
  return server;
}
