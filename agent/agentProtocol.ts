// The agent's socket protocol: newline-delimited JSON-RPC 2.0, as on the KMS's stdio. The first message of every
// connection is `agent.hello`; the caller of each later request is the one the agent gave the connection at hello.
export const AGENT_HELLO = 'agent.hello';

export type AgentRole = 'cli' | 'pkcs11';

export interface AgentHelloParams {
  role: AgentRole;
  /** `cli`: the session token (`$OWKMS_SESSION`). */
  session?: string;
  /** `pkcs11`: sizeof(CK_ULONG) in the module's process (4 on Windows, 8 on 64-bit Unix). */
  ulongBytes?: number;
}

export interface AgentHelloResult {
  role: AgentRole;
  /** The keystore the agent serves (a client for another keystore goes its own way). */
  store: string;
  version: string;
  pid: number;
}

/** Longest a forwarded call may take: guarded operations wait for a person to approve them. */
export const AGENT_CALL_TIMEOUT_MS = 120_000;
