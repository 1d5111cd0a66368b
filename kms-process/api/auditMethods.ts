// audit.* : the hash-chained log of every operation (no data, no secrets).
import { z } from 'zod';
import { MAX_PAGE } from './limits.js';

export const auditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  caller: z.string(),
  method: z.string(),
  keyId: z.string().optional(),
  outcome: z.string(),
  /** Aggregated entries (rejected calls, public reads): how many calls this entry stands for. */
  count: z.number().int().optional(),
  /** false: written while the keystore was locked, so nothing vouches for it (audit.verify lists these). */
  authenticated: z.literal(false).optional(),
});
export type AuditEntry = z.infer<typeof auditEntry>;

export const auditMethods = {
  'audit.list': {
    params: z.strictObject({
      cursor: z.string().max(32).optional(),
      limit: z.number().int().min(1).max(MAX_PAGE).optional(),
    }),
    result: z.object({ entries: z.array(auditEntry), nextCursor: z.string().optional() }),
  },
  'audit.verify': {
    params: z.strictObject({}),
    result: z.object({
      ok: z.boolean(),
      entries: z.number().int(),
      /** Entries written while locked: kept in sequence but not authenticated; never counted as verified. */
      unsealed: z.number().int(),
      unauthenticatedSeqs: z.array(z.number().int()),
      firstBadSeq: z.number().int().optional(),
      reason: z.string().optional(),
    }),
  },
} as const;
