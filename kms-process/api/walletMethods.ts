// wallet.* : Universal Wallet 2020 export and import (issue 15). The export carries exportable private keys, so it
// is an `app` (after approval in main's trusted prompt) or `cli` operation, never the renderer's or a REST client's.
import { z } from 'zod';
import { MAX_SECRET_STRING } from './limits.js';
import { keyInfo, secretString } from './common.js';

export const walletMethods = {
  'wallet.export': {
    params: z.strictObject({
      /** The new wallet's password (through Argon2id with a random salt); at least 8 characters. */
      password: z.string().min(8).max(MAX_SECRET_STRING),
    }),
    result: z.object({
      /** A locked EncryptedWallet credential (context https://w3id.org/wallet/v1). */
      wallet: z.record(z.string(), z.unknown()),
      /** Keys in the wallet with their private part, and keys listed by reference only (not exportable). */
      exported: z.number().int(),
      referenced: z.number().int(),
    }),
  },
  'wallet.import': {
    params: z.strictObject({
      wallet: z.record(z.string(), z.unknown()),
      password: secretString,
      /** Whether imported keys may be exported again (default false). */
      exportable: z.boolean().optional(),
    }),
    result: z.object({
      imported: z.array(keyInfo),
      skipped: z.array(z.object({ id: z.string().optional(), type: z.string(), reason: z.string() })),
    }),
  },
} as const;
