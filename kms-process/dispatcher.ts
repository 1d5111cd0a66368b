// The dispatcher: method lookup -> caller allowlist -> params schema -> handler -> audit. Every request gets a
// result or a typed error; an unexpected exception is INTERNAL with a fixed message, and the process keeps serving.
import {
  CALLERS,
  errorResponse,
  isMethodName,
  KmsError,
  METHODS,
  resultResponse,
  type Caller,
  type MethodName,
  type RpcRequest,
  type RpcResponse,
} from './api/index.js';
import type { KmsContext } from './kmsContext.js';
import { authorizeCaller } from './policy/callerPolicy.js';
import { auditHandlers } from './services/auditService.js';
import { backupHandlers } from './services/backupService.js';
import { batchHandlers } from './services/batchService.js';
import { doctorHandlers } from './services/doctorService.js';
import { exportHandlers } from './services/exportService.js';
import { hdHandlers } from './services/hdService.js';
import { sharedSecretHandlers } from './services/sharedSecretService.js';
import { cryptoHandlers } from './services/cryptoService.js';
import { ethereumHandlers } from './services/ethereumService.js';
import type { Call, Handler, HandlerTable } from './services/handler.js';
import { keysHandlers } from './services/keysService.js';
import { lifecycleHandlers } from './services/lifecycleService.js';
import { tokensHandlers } from './services/tokensService.js';
import { pkcs11PinHandlers } from './services/pkcs11PinService.js';
import { remotesHandlers } from './services/remotesService.js';
import { webkmsHandlers } from './services/webkmsService.js';
import { walletHandlers } from './services/walletService.js';

/** Methods whose calls are not audited: reading the state is not an operation on keys. */
const UNAUDITED: ReadonlySet<string> = new Set(['kms.status', 'audit.list', 'audit.verify', 'tokens.list', 'pkcs11.pinStatus']);

function firstIssuePath(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): { path: string; message: string } {
  const i = issues[0];
  const path = i ? i.path.map(String).join('.').slice(0, 64) : '';
  // zod's messages name types and limits, never the offending value.
  return { path, message: i ? `${path || 'params'}: ${i.message}` : 'invalid params' };
}

export class Dispatcher {
  private readonly handlers: HandlerTable;

  constructor(private readonly ctx: KmsContext, extra: HandlerTable = {}) {
    const crypto = cryptoHandlers(ctx);
    this.handlers = {
      ...lifecycleHandlers(ctx),
      ...backupHandlers(ctx),
      ...doctorHandlers(ctx),
      ...keysHandlers(ctx),
      ...crypto,
      ...batchHandlers(ctx, crypto),
      ...sharedSecretHandlers(ctx),
      ...ethereumHandlers(ctx),
      ...exportHandlers(ctx),
      ...hdHandlers(ctx),
      ...auditHandlers(ctx),
      ...tokensHandlers(ctx),
      ...pkcs11PinHandlers(ctx),
      ...remotesHandlers(ctx),
      ...webkmsHandlers(ctx),
      ...walletHandlers(ctx),
      ...extra,
    };
  }

  async handle(req: RpcRequest, defaultCaller: Caller, allowedCallers: readonly Caller[]): Promise<RpcResponse> {
    let call: Call | undefined;
    let validParams: unknown; // the audit names a key only from params that passed the schema
    this.ctx.inflight++;
    this.ctx.keySetCheck.noteActivity(); // the background key-set check waits for a quiet moment
    try {
      const caller = (req.caller ?? defaultCaller) as Caller;
      if (!(CALLERS as readonly string[]).includes(caller) || !allowedCallers.includes(caller)) {
        throw new KmsError('POLICY_DENIED', 'this channel may not speak for that caller');
      }
      if (!isMethodName(req.method)) throw new KmsError('UNKNOWN_METHOD', `unknown method '${req.method.slice(0, 64)}'`);
      const method: MethodName = req.method;
      const handler = this.handlers[method] as Handler<MethodName> | undefined;
      if (!handler) throw new KmsError('UNKNOWN_METHOD', `method '${method}' is not available in this KMS`);
      // Key and crypto methods need the algorithm files, which load in the background after start.
      if (method.startsWith('keys.') || method.startsWith('crypto.') || method.startsWith('webkms.') || method.startsWith('wallet.')) await this.ctx.registryReady;
      call = { caller, method, audited: false };
      authorizeCaller(caller, method);
      const parsed = METHODS[method].params.safeParse(req.params ?? {});
      if (!parsed.success) {
        const { path, message } = firstIssuePath(parsed.error.issues);
        throw new KmsError('INVALID_REQUEST', message, { data: { path } });
      }
      validParams = parsed.data;
      const result = await handler(parsed.data as never, call);
      this.audit(call, validParams, 'ok');
      return resultResponse(req.id, result);
    } catch (e) {
      const mapped = this.ctx.classifyFailure(e); // a damaged page can surface from any read, as any error
      const err = mapped instanceof KmsError ? mapped : internal(e, req.method);
      if (call) this.audit(call, validParams, err.kind);
      return errorResponse(req.id, err);
    } finally {
      this.ctx.inflight--;
      this.ctx.keySetCheck.noteActivity();
    }
  }

  private audit(call: Call, params: unknown, outcome: string): void {
    if (call.audited || UNAUDITED.has(call.method)) return;
    const id = (params as { id?: unknown } | null)?.id;
    const keyId = call.keyId ?? (typeof id === 'string' && id.length <= 64 ? id : undefined);
    this.ctx.audit.push({ caller: call.caller, method: call.method, keyId, outcome });
  }
}

function internal(e: unknown, method: string): KmsError {
  // The message of an unexpected error may quote data, over several lines: stderr gets its class, a plain code and
  // the stack frames only. `e` may be anything a library threw, null and undefined included.
  const stack = e instanceof Error && e.stack ? e.stack.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 5).join('\n') : '';
  const code = (e as { code?: unknown } | null | undefined)?.code;
  const plainCode = typeof code === 'string' && /^[A-Za-z0-9_]{1,64}$/.test(code) ? code : '';
  process.stderr.write(`owkms: internal error in ${method.slice(0, 64)}: ${e instanceof Error ? e.name : typeof e} ${plainCode}\n${stack}\n`);
  return new KmsError('INTERNAL', `internal error in ${method.slice(0, 64)}`);
}
