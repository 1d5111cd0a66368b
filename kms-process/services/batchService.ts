// crypto.batch: runs each item through the same handler and key policy as a single call, answers each with its
// own result or error, and audits each item on its own.
import { KmsError } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import type { Call, Handler, HandlerTable } from './handler.js';

export function batchHandlers(ctx: KmsContext, single: HandlerTable): HandlerTable {
  return {
    'crypto.batch': async (p, call) => {
      const results: Array<{ result: unknown } | { error: { kind: string; message: string } }> = [];
      for (const item of p.items) {
        const handler = single[item.method] as Handler<typeof item.method>;
        const itemCall: Call = { caller: call.caller, method: item.method, audited: false };
        let outcome = 'ok';
        try {
          results.push({ result: await handler(item.params as never, itemCall) });
        } catch (e) {
          const err = e instanceof KmsError ? e : new KmsError('INTERNAL', `internal error in ${item.method}`);
          outcome = err.kind;
          results.push({ error: { kind: err.kind, message: err.message } });
        }
        ctx.audit.push({ caller: call.caller, method: item.method, keyId: item.params.id, outcome });
      }
      call.audited = true;
      return { results };
    },
  };
}
