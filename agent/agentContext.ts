// What a connection needs from the agent: the KMS client, the session tokens, the approver, the lock state.
import type { MethodName, Params, Result } from '../kms-process/api/index.js';
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import type { PeerCredentials } from '../native/peercred/index.js';
import type { AgentConnection } from './agentConnection.js';
import type { SessionTokens } from './sessionTokens.js';

/** What a guarded operation is, for the approval prompt. */
export interface GuardedUse {
  keyId: string;
  keyLabel: string;
  algorithm: string;
  summary: string;
}

/** The KMS as the PKCS#11 engine sees it: calls as caller `pkcs11`, with approval for guarded keys. */
export interface KmsGate {
  call<M extends MethodName>(method: M, params: Params<M>, guarded?: GuardedUse): Promise<Result<M>>;
  /** Changes whenever the wallet locks: a PKCS#11 login from an earlier epoch is void. */
  lockEpoch(): number;
}

/** What the agent needs of a KMS client: a KmsHost's channel, or the desktop app's supervisor behind an adapter. */
export type AgentKms = Pick<ChannelClient, 'call' | 'callUnchecked'>;

export interface AgentContext {
  readonly storeDir: string;
  readonly version: string;
  readonly tokens: SessionTokens;
  /** Log each PKCS#11 call's name and return value on stderr ($OWKMS_AGENT_TRACE=1). */
  readonly trace: boolean;
  kms(): AgentKms;
  /** An owkms client without a valid token: may its terminal session have `cli` rights (asking the person)? */
  admitCliSession(peer: PeerCredentials): Promise<boolean>;
  gate(peer: PeerCredentials): KmsGate;
  /** Ask the approver before a cli request on a guarded key, when the agent was told to (the desktop app). */
  approveCli(peer: PeerCredentials, method: string, params: unknown, viaSession: boolean): Promise<void>;
  activity(): void;
  /** kms.lock for a session: the KMS locks, and is replaced by a fresh process where the agent can (issue 13). */
  lockWallet(): Promise<unknown>;
  locked(): void;
  unlocked(): void;
  connectionClosed(c: AgentConnection): void;
}
