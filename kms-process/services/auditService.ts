// audit.list and audit.verify over the hash-chained audit log.
import { KmsError } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import type { HandlerTable } from './handler.js';

export function auditHandlers(ctx: KmsContext): HandlerTable {
  return {
    'audit.list': async (p) => {
      ctx.keystore.assertUnlocked();
      ctx.audit.flushAll();
      const after = p.cursor === undefined ? 0 : Number(p.cursor);
      if (!Number.isSafeInteger(after) || after < 0) throw new KmsError('INVALID_REQUEST', 'malformed cursor', { data: { path: 'cursor' } });
      const { entries, last } = ctx.keystore.audit.list(after, p.limit ?? 100);
      return { entries, ...(last !== undefined ? { nextCursor: String(last) } : {}) };
    },
    'audit.verify': async () => {
      ctx.audit.flushAll();
      return ctx.keystore.verifyAudit();
    },
  };
}
