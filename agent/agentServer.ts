// The local key service (`owkms agent`, and the desktop app while it runs): one KMS, many same-user clients over a
// UNIX socket (0600 in a 0700 folder; a named pipe on Windows, untested here). Every peer is checked with SO_PEERCRED
// (same uid only) before a byte is read; `owkms` clients need a session token for `cli` rights; the PKCS#11 module
// gets the narrow caller `pkcs11`. The wallet locks after `lockAfterMs` without a request.
import { existsSync, lstatSync, readlinkSync, rmSync } from 'node:fs';
import { createServer, Socket, type Server } from 'node:net';
import { KMS_VERSION } from '../kms-process/api/version.js';
import { KmsError, type Caller, type MethodName, type Params, type Result } from '../kms-process/api/index.js';
import { peerCredentials, peerCredentialsUnavailable, type PeerCredentials } from '../native/peercred/index.js';
import { AgentConnection } from './agentConnection.js';
import type { AgentContext, AgentKms, GuardedUse, KmsGate } from './agentContext.js';
import { AGENT_CALL_TIMEOUT_MS } from './agentProtocol.js';
import { refuseAll, type Approver } from './approver.js';
import { SessionTokens } from './sessionTokens.js';
import { prepareSocketDir } from './socketPath.js';
import { ApprovedSessions, terminalSessionOf } from './terminalSessions.js';

export interface AgentServerOptions {
  /** The KMS client (a KmsHost's, or the desktop app's supervisor's); its channel must admit cli, pkcs11 and app. */
  kms: () => AgentKms;
  storeDir: string;
  socketPath: string;
  /** Lock the wallet after this long without a request (0: never). */
  lockAfterMs: number;
  approver?: Approver;
  /** Ask the approver for cli requests on guarded keys too (the desktop app: its owkms sessions are not its terminal). */
  approveCli?: boolean;
  /** The caller the agent's own calls use (idle lock): `cli` for owkms agent, `app` for the desktop app. */
  ownCaller?: Caller;
  /**
   * Let the approver give a terminal session `cli` rights without the token, for this long (the desktop app, which
   * has no shell to print a token to). Absent: only the token gives `cli` rights.
   */
  sessionApprovalMs?: number;
  /** Told when the wallet locks or unlocks through the agent (the app's window shows it). */
  onLockChange?: (locked: boolean) => void;
  /**
   * Lock and replace the KMS process (KmsHost.lockAndRestart, or the app's supervisor): V8 keeps copies of secrets
   * kms.lock cannot wipe, a new process has none (issue 13). Without it a lock is kms.lock alone.
   */
  lockAndReplace?: () => Promise<void>;
}

/**
 * What an owkms session admitted by the person's approval of its terminal session (not by the token) may not do
 * without a prompt each time: move key material in or out, destroy it, or change how the wallet is guarded. Routine
 * use (sign, encrypt, list, generate) goes through on the session's approval.
 */
const CONFIRMED_FOR_SESSIONS = /^(kms\.(init|changeSealers|configure)|keys\.(import|delete|retireVersions)|crypto\.(wrapKey|unwrapKey)|pkcs11\.setPin|remotes\.(add|remove)|wallet\.(export|import)|webkms\.)/;

function sessionMustConfirm(method: string, params: unknown): boolean {
  if (CONFIRMED_FOR_SESSIONS.test(method)) return true;
  const p = (params ?? {}) as { private?: unknown; wrapWith?: unknown };
  return method === 'keys.export' && (p.private === true || p.wrapWith !== undefined);
}

/** Methods whose `id` names a key the approver must hear about when approveCli is set. */
const KEY_USE = /^(crypto\.|keys\.(export|delete|update|derive|rotate|retireVersions)$)/;

function exeOf(pid: number): string | undefined {
  try {
    return readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return undefined;
  }
}

export class AgentServer implements AgentContext {
  readonly tokens = new SessionTokens();
  readonly version = KMS_VERSION;
  readonly trace = process.env.OWKMS_AGENT_TRACE === '1';
  private server: Server | undefined;
  private readonly connections = new Set<AgentConnection>();
  private lastActivity = Date.now();
  private idleTimer: NodeJS.Timeout | undefined;
  private epoch = 0;
  private readonly approver: Approver;
  private readonly sessions: ApprovedSessions | undefined;
  /** One session prompt at a time per terminal session: a burst of owkms calls asks once. */
  private readonly asking = new Map<number, Promise<boolean>>();

  constructor(private readonly options: AgentServerOptions) {
    this.approver = options.approver ?? refuseAll;
    this.sessions = options.sessionApprovalMs && this.approver.approveSession ? new ApprovedSessions(options.sessionApprovalMs) : undefined;
  }

  get storeDir(): string {
    return this.options.storeDir;
  }

  get socketPath(): string {
    return this.options.socketPath;
  }

  kms(): AgentKms {
    return this.options.kms();
  }

  async listen(): Promise<void> {
    const why = process.platform === 'win32' ? undefined : peerCredentialsUnavailable();
    if (why) throw new KmsError('UNAVAILABLE', `the agent cannot check who connects: ${why}`);
    const path = this.options.socketPath;
    prepareSocketDir(path);
    // A socket file left by an agent that died: only a socket (never another kind of file) is replaced.
    if (process.platform !== 'win32' && existsSync(path)) {
      if (!lstatSync(path).isSocket()) throw new KmsError('POLICY_DENIED', `${path} exists and is not a socket`);
      if (await this.answers(path)) throw new KmsError('BUSY', `an agent already listens on ${path}`);
      rmSync(path);
    }
    const server = createServer((socket) => this.accept(socket));
    const oldMask = process.platform === 'win32' ? 0 : process.umask(0o177); // the socket is born 0600: no window
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => resolve());
      });
    } finally {
      if (process.platform !== 'win32') process.umask(oldMask);
    }
    this.server = server;
    if (this.options.lockAfterMs > 0) {
      this.idleTimer = setInterval(() => void this.lockIfIdle(), Math.min(this.options.lockAfterMs, 1000));
      this.idleTimer.unref();
    }
  }

  private answers(path: string): Promise<boolean> {
    return new Promise((resolve) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
      s.connect(path);
    });
  }

  private accept(socket: Socket): void {
    let peer: PeerCredentials;
    try {
      peer = process.platform === 'win32' ? { pid: 0, uid: 0, gid: 0 } : peerCredentials((socket as unknown as { _handle: { fd: number } })._handle.fd);
    } catch {
      socket.destroy();
      return;
    }
    if (process.platform !== 'win32' && peer.uid !== process.getuid!()) {
      // Refused before a byte is read; the peer gets one line saying why.
      const refusal = { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'the agent serves its own user only', data: { kind: 'POLICY_DENIED' } } };
      socket.end(JSON.stringify(refusal) + '\n');
      return;
    }
    this.connections.add(new AgentConnection(socket, peer, this));
  }

  connectionClosed(c: AgentConnection): void {
    this.connections.delete(c);
  }

  activity(): void {
    this.lastActivity = Date.now();
  }

  async lockWallet(): Promise<{ state: 'locked' }> {
    try {
      if (this.options.lockAndReplace) await this.options.lockAndReplace();
      else await this.kms().call('kms.lock', {}, { caller: this.options.ownCaller ?? 'cli' });
    } finally {
      this.locked();
    }
    return { state: 'locked' };
  }

  locked(): void {
    this.walletLocked();
    this.options.onLockChange?.(true);
  }

  /** The wallet locked by other means (the app's window, its auto-lock, the KMS exiting): logins and sessions end. */
  walletLocked(): void {
    this.epoch++;
    this.sessions?.clear(); // an approved terminal session ends with the unlock it was given under
  }

  unlocked(): void {
    this.activity();
    this.options.onLockChange?.(false);
  }

  async admitCliSession(peer: PeerCredentials): Promise<boolean> {
    const sessions = this.sessions;
    if (!sessions || !this.approver.approveSession) return false;
    const terminal = terminalSessionOf(peer.pid);
    if (!terminal) return false; // no session to remember: the token is the only way
    if (sessions.has(terminal)) return true;
    // An approval given while locked would outlive nothing useful, and a locked wallet cannot show what it guards.
    const status = await this.kms().call('kms.status', { probe: false }, { caller: this.options.ownCaller ?? 'cli' }).catch(() => undefined);
    if (status?.state !== 'unlocked') return false;
    let pending = this.asking.get(terminal.sid);
    if (!pending) {
      const epoch = this.epoch;
      pending = this.approver
        .approveSession({ peer: { ...peer, exe: exeOf(peer.pid) }, sid: terminal.sid, leader: terminal.leaderExe, rememberMs: this.options.sessionApprovalMs! })
        .catch(() => false)
        .then((yes) => {
          // A lock while the prompt was open voids the answer.
          if (yes && epoch === this.epoch) sessions.add(terminal);
          return yes && epoch === this.epoch;
        })
        .finally(() => this.asking.delete(terminal.sid));
      this.asking.set(terminal.sid, pending);
    }
    return pending;
  }

  private async lockIfIdle(): Promise<void> {
    if (Date.now() - this.lastActivity < this.options.lockAfterMs) return;
    this.lastActivity = Date.now();
    try {
      const status = await this.kms().call('kms.status', { probe: false }, { caller: this.options.ownCaller ?? 'cli' });
      if (status.state !== 'unlocked') return;
      await this.lockWallet();
    } catch {
      // The KMS is gone or busy: nothing to lock now; the next tick tries again.
    }
  }

  gate(peer: PeerCredentials): KmsGate {
    return {
      lockEpoch: () => this.epoch,
      call: async <M extends MethodName>(method: M, params: Params<M>, guarded?: GuardedUse): Promise<Result<M>> => {
        try {
          return await this.kms().call(method, params, { caller: 'pkcs11', timeoutMs: AGENT_CALL_TIMEOUT_MS });
        } catch (e) {
          if (e instanceof KmsError && e.kind === 'LOCKED') this.locked();
          if (!(e instanceof KmsError) || e.kind !== 'APPROVAL_DENIED' || !guarded) throw e;
        }
        // The KMS checked everything but approval (the caller allowlist, the key's callers and purposes come first):
        // with the person's yes, the same call goes as `app`, as main's broker forwards approved calls.
        const yes = await this.approver.approve({ role: 'pkcs11', peer: { ...peer, exe: exeOf(peer.pid) }, method, ...guarded }).catch(() => false);
        if (!yes) throw new KmsError('APPROVAL_DENIED', 'the operation was not approved');
        return this.kms().call(method, params, { caller: 'app', timeoutMs: AGENT_CALL_TIMEOUT_MS });
      },
    };
  }

  async approveCli(peer: PeerCredentials, method: string, params: unknown, viaSession = false): Promise<void> {
    if (!this.options.approveCli) return;
    const confirm = viaSession && sessionMustConfirm(method, params);
    if (!confirm && !KEY_USE.test(method)) return;
    const id = (params as { id?: unknown } | null)?.id;
    let key;
    if (typeof id === 'string') {
      try {
        key = await this.kms().call('keys.get', { id }, { caller: 'cli' });
      } catch {
        key = undefined; // NOT_FOUND and friends: the forwarded call reports them
      }
    }
    if (!confirm && !key?.requiresApproval) return;
    const yes = await this.approver
      .approve({
        role: 'cli',
        peer: { ...peer, exe: exeOf(peer.pid) },
        method,
        keyId: key?.id ?? '',
        keyLabel: key?.label ?? '',
        algorithm: key?.algorithm ?? '',
        summary: key ? `owkms: ${method} with "${key.label || key.id}"` : `owkms: ${method}`,
      })
      .catch(() => false);
    if (!yes) throw new KmsError('APPROVAL_DENIED', 'the operation was not approved');
  }

  /** Stop listening, drop every client, remove the socket file. The KMS is the owner's to stop. */
  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    for (const c of [...this.connections]) c.close();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.tokens.revokeAll();
    if (process.platform !== 'win32') rmSync(this.options.socketPath, { force: true });
  }
}
