// One client of the agent: its peer credentials, its hello (which role, proven how), then its requests. `cli`
// requests go to the KMS as caller `cli`; `pkcs11` requests are p11.* calls for the PKCS#11 engine, which calls the
// KMS as caller `pkcs11`. A caller named in the envelope is refused: the agent names callers, never the client.
import type { Socket } from 'node:net';
import { errorResponse, KmsError, parseRequestText, resultResponse, isResponse, type RpcRequest, type RpcResponse } from '../kms-process/api/index.js';
import { lineSplitter } from '../kms-process/client/lineStreamPort.js';
import type { PeerCredentials } from '../native/peercred/index.js';
import { AGENT_CALL_TIMEOUT_MS, AGENT_HELLO, type AgentHelloResult, type AgentRole } from './agentProtocol.js';
import type { AgentContext } from './agentContext.js';
import { P11Engine } from './pkcs11/p11Engine.js';

/** Failed hellos before the agent hangs up. */
const MAX_HELLO_FAILURES = 3;

export class AgentConnection {
  private role: AgentRole | undefined;
  private engine: P11Engine | undefined;
  private helloFailures = 0;
  /** `cli` rights from the person's approval of this terminal session (the app), not from the token. */
  private viaSession = false;
  private closed = false;
  /** Lines that arrive before the hello is done wait for it (the hello may wait for a person's approval). */
  private beforeHello: Promise<void> = Promise.resolve();

  constructor(
    private readonly socket: Socket,
    private readonly peer: PeerCredentials,
    private readonly agent: AgentContext,
  ) {
    socket.on('data', lineSplitter((line) => {
      if (this.role) void this.onLine(line);
      else this.beforeHello = this.beforeHello.then(() => this.onLine(line));
    }));
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine?.dispose();
    this.socket.destroy();
    this.agent.connectionClosed(this);
  }

  private send(r: RpcResponse): void {
    if (!this.closed && this.socket.writable) this.socket.write(JSON.stringify(r) + '\n');
  }

  private async onLine(line: string): Promise<void> {
    if (this.helloFailures >= MAX_HELLO_FAILURES) return; // hanging up: lines already read get no answer
    const req = parseRequestText(line);
    if (isResponse(req)) {
      if (!this.role) this.helloFailed();
      return this.send(req);
    }
    try {
      if (req.caller !== undefined) throw new KmsError('POLICY_DENIED', 'the agent names the caller; a request may not');
      if (!this.role) return this.send(resultResponse(req.id, await this.hello(req)));
      this.agent.activity();
      if (this.role === 'pkcs11') {
        const answer = await this.engine!.handle(req.method, req.params);
        // $OWKMS_AGENT_TRACE: each p11 call's name and return value on stderr (never its parameters: PINs, data).
        if (this.agent.trace) process.stderr.write(`owkms agent: ${req.method.slice(0, 32)} -> rv 0x${Number(answer.rv ?? 0).toString(16)}\n`);
        return this.send(resultResponse(req.id, answer));
      }
      this.send(resultResponse(req.id, await this.forwardCli(req)));
    } catch (e) {
      if (!this.role) this.helloFailed();
      this.send(errorResponse(req.id, e instanceof KmsError ? e : new KmsError('INTERNAL', 'the agent failed to forward the request')));
    }
  }

  private helloFailed(): void {
    if (++this.helloFailures >= MAX_HELLO_FAILURES) setImmediate(() => this.close());
  }

  private async hello(req: RpcRequest): Promise<AgentHelloResult> {
    if (req.method !== AGENT_HELLO) throw new KmsError('POLICY_DENIED', `the first request must be ${AGENT_HELLO}`);
    const p = (req.params ?? {}) as Record<string, unknown>;
    const store = this.agent.storeDir;
    if (p.role === 'cli') {
      // Same user is not enough for cli rights (which include export, delete and re-sealing): show the session token,
      // or run in a terminal session the person approved in the desktop app's trusted prompt.
      this.viaSession = !this.agent.tokens.valid(p.session);
      if (this.viaSession && !(await this.agent.admitCliSession(this.peer))) {
        throw new KmsError('POLICY_DENIED', 'owkms needs the session token of this agent ($OWKMS_SESSION, printed by owkms agent), or the desktop app\'s approval of this terminal session', { data: { path: store } });
      }
      this.role = 'cli';
    } else if (p.role === 'pkcs11') {
      const ulongBytes = p.ulongBytes ?? 8;
      if (ulongBytes !== 4 && ulongBytes !== 8) throw new KmsError('INVALID_REQUEST', 'ulongBytes must be 4 or 8');
      this.role = 'pkcs11';
      this.engine = new P11Engine(this.agent.gate(this.peer), ulongBytes);
    } else {
      throw new KmsError('INVALID_REQUEST', "role must be 'cli' or 'pkcs11'");
    }
    return { role: this.role, store, version: this.agent.version, pid: process.pid };
  }

  private async forwardCli(req: RpcRequest): Promise<unknown> {
    if (req.method.startsWith('agent.')) throw new KmsError('UNKNOWN_METHOD', `unknown method '${req.method.slice(0, 64)}'`);
    await this.agent.approveCli(this.peer, req.method, req.params, this.viaSession);
    const plainLock = req.method === 'kms.lock' && (req.params === undefined || (typeof req.params === 'object' && req.params !== null && Object.keys(req.params).length === 0));
    if (plainLock) return this.agent.lockWallet();
    const result = await this.agent.kms().callUnchecked(req.method, req.params, { caller: 'cli', timeoutMs: AGENT_CALL_TIMEOUT_MS });
    if (req.method === 'kms.lock') this.agent.locked();
    if (req.method === 'kms.unlock' || req.method === 'kms.init') this.agent.unlocked();
    return result;
  }
}
