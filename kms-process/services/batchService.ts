// crypto.batch: runs each item through the same caller allowlist, handler and key policy as a single call, answers
// each with its own result or error, and audits each item on its own.
import { KmsError } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import { authorizeCaller } from '../policy/callerPolicy.js';
import type { Call, Handler, HandlerTable } from './handler.js';

export function batchHandlers(ctx: KmsContext, single: HandlerTable): HandlerTable {
  return {
    'crypto.batch': async (p, call) => {
      // Items run side by side (signatures go to the thread pool) and are answered in order.
      ctx.inflight += p.items.length;
      try {
        const results = await Promise.all(
          p.items.map(async (item): Promise<{ result: unknown } | { error: { kind: string; message: string } }> => {
            const handler = single[item.method] as Handler<typeof item.method>;
            const itemCall: Call = { caller: call.caller, method: item.method, audited: false };
            try {
              // Exactly the checks of the same call outside a batch: the caller allowlist first (the item schema
              // and the well-formed string check ran with the batch's params), then the handler's key policy.
              authorizeCaller(call.caller, item.method);
              return { result: await handler(item.params as never, itemCall) };
            } catch (e) {
              const err = e instanceof KmsError ? e : new KmsError('INTERNAL', `internal error in ${item.method}`);
              return { error: { kind: err.kind, message: err.message } };
            }
          }),
        );
        // Audit entries in item order, whatever order the items finished in.
        p.items.forEach((item, i) => {
          const r = results[i]!;
          ctx.audit.push({ caller: call.caller, method: item.method, keyId: item.params.id, outcome: 'error' in r ? r.error.kind : 'ok' });
        });
        call.audited = true;
        return { results };
      } finally {
        ctx.inflight -= p.items.length;
      }
    },
  };
}
