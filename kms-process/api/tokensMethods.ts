// tokens.* : PKCS#11 modules and tokens (DESIGN.md section 5). The PIN comes from a trusted prompt or the CLI.
import { z } from 'zod';
import { empty, secretString, shortString } from './common.js';

/** A token is named by its serial, or by a label no other token has. */
const tokenRef = shortString;

const moduleStatus = z.object({
  path: z.string(),
  profile: z.string(),
  loaded: z.boolean(),
  manufacturer: z.string().optional(),
  description: z.string().optional(),
  version: z.string().optional(),
  /** Why the module failed to load or lists no slots (e.g. no PC/SC service); never fatal. */
  error: z.string().optional(),
});

const tokenStatus = z.object({
  module: z.string(),
  profile: z.string(),
  slot: z.number().int(),
  label: z.string(),
  serial: z.string(),
  manufacturer: z.string(),
  model: z.string(),
  flags: z.array(z.string()),
  pin: z.object({
    loggedIn: z.boolean(),
    countLow: z.boolean(),
    finalTry: z.boolean(),
    locked: z.boolean(),
    toBeChanged: z.boolean(),
    attemptsLeft: z.number().int().optional(),
    /** Tokens that do not count wrong PINs themselves (SoftHSM2): the KMS's count and backoff. */
    kmsFailures: z.number().int().optional(),
    retryAfterMs: z.number().int().optional(),
  }),
  mechanisms: z.array(z.string()),
});

export const tokensMethods = {
  'tokens.list': {
    params: empty,
    result: z.object({ modules: z.array(moduleStatus), tokens: z.array(tokenStatus) }),
  },
  'tokens.login': {
    params: z.strictObject({
      token: tokenRef,
      pin: secretString,
      /** Required to spend the last PIN attempt of a token that says CKF_USER_PIN_FINAL_TRY. */
      confirmFinalTry: z.boolean().optional(),
    }),
    result: z.object({ serial: z.string(), loggedIn: z.literal(true) }),
  },
  'tokens.logout': {
    params: z.strictObject({ token: tokenRef }),
    result: z.object({ serial: z.string(), loggedIn: z.literal(false) }),
  },
} as const;
