// The broker: every call from the renderer passes here. Sender frame (top-level, the app's origin) -> rate limit
// -> a JSON copy under size limits -> method allowlist for `ui` (and its params rules) -> forward as `ui` (main
// stamps the caller; any caller the renderer sent is dropped) -> on APPROVAL_DENIED, a trusted prompt and, if the
// user approves, the same call as `app` -> the result guard. Every outcome is a WalletReply with a typed error.
import type { Caller } from '../../kms-process/api/callers.js';
import { KmsError, isKmsError } from '../../kms-process/api/errors.js';
import { isMethodName } from '../../kms-process/api/methods.js';
import type { ApprovalQueue } from './approvalQueue.js';
import type { BackupFlows } from './backupFlows.js';
import { approvalView } from './approvalView.js';
import { copyJson, DEFAULT_JSON_LIMITS, type JsonLimits } from './jsonRequest.js';
import { DEFAULT_RATE_LIMIT, RateLimiter, type RateLimit } from './rateLimiter.js';
import { exportIsPublic, findSecret } from './resultGuard.js';
import { senderRefusal, type SenderInfo } from './senderCheck.js';
import { importKey, restoreSeed } from './keyFlows.js';
import type { SettingsFlow } from './settingsFlow.js';
import type { TrustedFlows } from './trustedFlows.js';
import { isUiMethod, uiParamsRefusal } from './uiAllowlist.js';
import type { FlowMethod, WalletReply, WireError } from './wire.js';

export interface KmsCaller {
  call(method: string, params: unknown, caller: Caller): Promise<unknown>;
}

export interface BrokerOptions {
  /** The app's origin: `app://wallet` under Electron, the harness's origin under Chromium. */
  appOrigin: string;
  kms: KmsCaller;
  approvals: ApprovalQueue;
  flows: TrustedFlows;
  /** Backup to a file and restore from one (the OS's file dialogs); absent, those flows answer UNAVAILABLE. */
  backups?: BackupFlows;
  /** Settings (auto-lock, key cache); absent, the settings flows answer UNAVAILABLE. */
  settings?: SettingsFlow;
  rateLimit?: RateLimit;
  jsonLimits?: JsonLimits;
  /** After each forwarded KMS call (main tracks lock state from these). */
  onOutcome?: (method: string, outcome: 'ok' | WireError['kind']) => void;
}

export interface BrokerStats {
  received: number;
  forwarded: number;
  approvalsAsked: number;
  maxInflight: number;
}

export class Broker {
  private readonly limiter: RateLimiter;
  readonly stats: BrokerStats = { received: 0, forwarded: 0, approvalsAsked: 0, maxInflight: 0 };

  constructor(private readonly options: BrokerOptions) {
    this.limiter = new RateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT);
  }

  async handle(sender: SenderInfo, request: unknown): Promise<WalletReply> {
    this.stats.received++;
    const refused = senderRefusal(sender, this.options.appOrigin);
    if (refused) return failure(new KmsError('POLICY_DENIED', refused));
    const slot = this.limiter.acquire(sender.id);
    if (slot !== 'ok') {
      return failure(new KmsError('BUSY', slot === 'rate' ? 'too many calls; slow down' : 'too many calls waiting', { data: { retryAfterMs: 100 } }));
    }
    this.stats.maxInflight = Math.max(this.stats.maxInflight, this.limiter.inflight(sender.id));
    try {
      const result = await this.dispatch(request);
      return { ok: true, result };
    } catch (e) {
      return failure(e);
    } finally {
      this.limiter.release(sender.id);
    }
  }

  private async dispatch(request: unknown): Promise<unknown> {
    const copy = copyJson(request, this.options.jsonLimits ?? DEFAULT_JSON_LIMITS);
    if (!copy.ok) throw new KmsError('INVALID_REQUEST', copy.reason);
    const req = copy.value as { method?: unknown; params?: unknown } | null;
    if (req === null || typeof req !== 'object' || Array.isArray(req) || typeof req.method !== 'string' || req.method.length > 64) {
      throw new KmsError('INVALID_REQUEST', 'a call is { method, params }');
    }
    const params = req.params ?? {};
    if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new KmsError('INVALID_REQUEST', 'params must be an object');
    const p = params as Record<string, unknown>;
    const method = req.method;
    if (method.startsWith('flow.')) return this.flow(method as FlowMethod, p);
    if (!isUiMethod(method)) {
      if (isMethodName(method)) throw new KmsError('POLICY_DENIED', `${method} is not a renderer operation`);
      throw new KmsError('UNKNOWN_METHOD', `unknown method '${method.slice(0, 64)}'`);
    }
    const why = uiParamsRefusal(method, p);
    if (why) throw new KmsError('POLICY_DENIED', why);
    const result = await this.forward(method, p);
    const leak = findSecret(result);
    if (leak !== undefined || !exportIsPublic(method, result)) {
      throw new KmsError('INTERNAL', 'the answer carried secret material and was withheld');
    }
    return result;
  }

  /** A flow that may open a trusted window is running (one at a time: the renderer cannot stack windows). */
  private flowRunning = false;

  private async flow(method: FlowMethod, params: Record<string, unknown>): Promise<unknown> {
    if (method === 'flow.getSettings') return this.runFlow(method, params);
    if (this.flowRunning) throw new KmsError('BUSY', 'another OpenWallet window is waiting for you: finish or cancel it first');
    this.flowRunning = true;
    try {
      return await this.runFlow(method, params);
    } finally {
      this.flowRunning = false;
    }
  }

  private runFlow(method: FlowMethod, params: Record<string, unknown>): Promise<unknown> {
    const { flows } = this.options;
    const noParams = () => {
      if (Object.keys(params).length > 0) throw new KmsError('INVALID_REQUEST', `${method} takes no params`);
    };
    switch (method) {
      case 'flow.createWallet':
        return flows.createWallet(params);
      case 'flow.unlock':
        noParams();
        return flows.unlock();
      case 'flow.createSeed':
        return flows.createSeed(params);
      case 'flow.tokenLogin':
        return flows.tokenLogin(params);
      case 'flow.restoreSeed':
        return restoreSeed(this.options.kms, flows.prompts, params);
      case 'flow.importKey':
        return importKey(this.options.kms, flows.prompts, params);
      case 'flow.getSettings':
        noParams();
        return Promise.resolve(this.settingsFlow().get());
      case 'flow.updateSettings':
        return this.settingsFlow().update(params);
      case 'flow.backup':
        return this.backupFlows().backup(params);
      case 'flow.restoreBackup':
        return this.backupFlows().restore(params);
      default:
        throw new KmsError('UNKNOWN_METHOD', `unknown method '${String(method).slice(0, 64)}'`);
    }
  }

  private backupFlows(): BackupFlows {
    if (!this.options.backups) throw new KmsError('UNAVAILABLE', 'this shell has no file dialog for backups; use owkms backup / restore');
    return this.options.backups;
  }

  private settingsFlow(): SettingsFlow {
    if (!this.options.settings) throw new KmsError('UNAVAILABLE', 'settings are not kept in this shell');
    return this.options.settings;
  }

  private async forward(method: string, params: Record<string, unknown>): Promise<unknown> {
    const { kms, onOutcome } = this.options;
    this.stats.forwarded++;
    try {
      const result = await kms.call(method, params, 'ui');
      onOutcome?.(method, 'ok');
      return result;
    } catch (e) {
      if (!isKmsError(e, 'APPROVAL_DENIED') || typeof params.id !== 'string') {
        if (isKmsError(e)) onOutcome?.(method, e.kind);
        throw e;
      }
    }
    // A guarded key: the user decides in a trusted prompt showing the key and what is signed.
    const key = (await kms.call('keys.get', { id: params.id }, 'app')) as { id: string; label: string; algorithm: string; extra?: Record<string, string> };
    this.stats.approvalsAsked++;
    const approved = await this.options.approvals.request(approvalView(method, params, key));
    if (!approved) throw new KmsError('APPROVAL_DENIED', 'the user declined in the approval prompt');
    const result = await kms.call(method, params, 'app');
    onOutcome?.(method, 'ok');
    return result;
  }
}

/** A typed error for the renderer: the kind, a message, and only the data fields it may see. */
export function failure(e: unknown): WalletReply {
  const err = isKmsError(e) ? e : new KmsError('INTERNAL', 'internal error in main');
  const wire: WireError = { kind: err.kind, message: err.message.slice(0, 300) };
  if (err.data.retryAfterMs !== undefined) wire.retryAfterMs = err.data.retryAfterMs;
  if (err.data.attemptsLeft !== undefined) wire.attemptsLeft = err.data.attemptsLeft;
  return { ok: false, error: wire };
}
