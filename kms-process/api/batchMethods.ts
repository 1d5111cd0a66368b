// crypto.batch: many crypto operations in one message, each answered with its own result or error (like Vault's
// batch_input). Only operations with a key and no state change may be batched.
import { z } from 'zod';
import { MAX_BATCH_ITEMS } from './limits.js';
import { cryptoMethods } from './cryptoMethods.js';

export const BATCHABLE = ['crypto.sign', 'crypto.verify', 'crypto.encrypt', 'crypto.decrypt', 'crypto.mac', 'crypto.macVerify'] as const;
export type BatchableMethod = (typeof BATCHABLE)[number];

const item = z.discriminatedUnion('method', [
  z.strictObject({ method: z.literal('crypto.sign'), params: cryptoMethods['crypto.sign'].params }),
  z.strictObject({ method: z.literal('crypto.verify'), params: cryptoMethods['crypto.verify'].params }),
  z.strictObject({ method: z.literal('crypto.encrypt'), params: cryptoMethods['crypto.encrypt'].params }),
  z.strictObject({ method: z.literal('crypto.decrypt'), params: cryptoMethods['crypto.decrypt'].params }),
  z.strictObject({ method: z.literal('crypto.mac'), params: cryptoMethods['crypto.mac'].params }),
  z.strictObject({ method: z.literal('crypto.macVerify'), params: cryptoMethods['crypto.macVerify'].params }),
]);

export const batchMethods = {
  'crypto.batch': {
    params: z.strictObject({ items: z.array(item).min(1).max(MAX_BATCH_ITEMS) }),
    result: z.object({
      results: z.array(
        z.union([
          z.object({ result: z.unknown() }),
          z.object({ error: z.object({ kind: z.string(), message: z.string() }) }),
        ]),
      ),
    }),
  },
} as const;
