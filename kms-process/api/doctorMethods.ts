// kms.doctor (issue 13): what is damaged in a keystore file and what can be saved, and, given a folder, a new
// keystore there holding every key whose rows verify, under the same master key (the same passphrase, keychain
// entry or TPM opens it). For `cli` (owkms doctor) and `app`; never the renderer, REST or the PKCS#11 module.
import { z } from 'zod';
import { secretString } from './common.js';

const damagedItem = z.object({ id: z.string(), why: z.string() });
const tally = z.object({ rows: z.number().int(), verified: z.number().int(), damaged: z.array(damagedItem) });

export const doctorMethods = {
  'kms.doctor': {
    params: z.strictObject({
      passphrase: secretString.optional(),
      pin: secretString.optional(),
      /** An empty folder (absolute path) for the salvaged keystore; the KMS's sandbox must allow writing it. */
      salvageTo: z.string().min(1).max(4096).optional(),
    }),
    result: z.object({
      /** 'yes': nothing is damaged; 'no': something is (see the rest); 'unknown': not unsealed, so rows were not checked. */
      healthy: z.enum(['yes', 'no', 'unknown']),
      file: z.object({
        bytes: z.number().int(),
        walBytes: z.number().int(),
        header: z.string(),
        integrity: z.array(z.string()),
        unreadable: z.array(z.string()),
        /** How the keystore opened when the KMS started: 'ok', or the error kind and message. */
        opened: z.string(),
      }),
      unseal: z.object({
        state: z.enum(['unsealed', 'needs', 'failed', 'impossible']),
        needs: z.array(z.enum(['passphrase', 'pin'])).optional(),
        by: z.array(z.string()).optional(),
        detail: z.string().optional(),
      }),
      metadata: z.enum(['verified', 'damaged', 'unknown']),
      sealers: tally.optional(),
      keys: tally.optional(),
      versions: tally.optional(),
      remotes: tally.optional(),
      /** The verified key rows against the set recorded in the metadata. */
      keySet: z.enum(['matches', 'differs', 'unknown']),
      audit: z.string(),
      salvageable: z.object({ keys: z.number().int(), versions: z.number().int(), remotes: z.number().int() }),
      salvaged: z.object({ dir: z.string(), keystoreId: z.string(), keys: z.number().int(), versions: z.number().int(), remotes: z.number().int(), rollback: z.string() }).optional(),
      advice: z.array(z.string()),
    }),
  },
} as const;
