// The shape of a method implementation: validated params in, result out, with the call's caller identity.
import type { Caller, MethodName, Result, ValidParams } from '../api/index.js';

export interface Call {
  caller: Caller;
  method: MethodName;
  /** Set by a handler that wrote its own audit entry inside its write transaction. */
  audited: boolean;
  /** The key the call concerned, for the audit entry (set by handlers that create keys). */
  keyId?: string | undefined;
}

export type Handler<M extends MethodName> = (params: ValidParams<M>, call: Call) => Promise<Result<M>>;
export type HandlerTable = { [M in MethodName]?: Handler<M> };
