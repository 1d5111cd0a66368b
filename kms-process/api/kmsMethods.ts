// kms.* : lifecycle of the keystore (init, unlock, lock, status, sealers).
import { z } from 'zod';
import { empty, secretString, shortString } from './common.js';


export const sealerKind = z.enum(['passphrase', 'tpm', 'keychain', 'pkcs11']);
export type SealerKind = z.infer<typeof sealerKind>;

/** How a sealer is enrolled; secrets here go from a trusted prompt or the CLI straight to the KMS. */
export const sealerEnrolment = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('passphrase'), passphrase: secretString }),
  z.strictObject({
    kind: z.literal('tpm'),
    tcti: shortString.optional(),
    pcrs: z.array(z.number().int().min(0).max(23)).max(24).optional(),
    auth: secretString.optional(),
  }),
  z.strictObject({ kind: z.literal('keychain'), service: shortString.optional() }),
  z.strictObject({ kind: z.literal('pkcs11'), token: shortString, pin: secretString.optional() }),
]);
export type SealerEnrolment = z.infer<typeof sealerEnrolment>;

export const unlockPolicy = z.enum(['any', 'all']);

const sealerStatus = z.object({
  kind: sealerKind,
  enrolled: z.boolean(),
  available: z.boolean(),
  detail: z.string().optional(),
});

/** One layer of the KMS's Linux sandbox: whether it holds, and in words what it covers or why it is missing. */
const sandboxLayer = z.object({
  state: z.enum(['enforced', 'partial', 'unavailable', 'off']),
  detail: z.string(),
});

export const sandboxStatus = z.object({
  noNewPrivs: sandboxLayer,
  landlock: sandboxLayer.extend({
    abi: z.number().int().optional(),
    /** Threads restricted, and those left outside with why (a thread that blocks every signal cannot be reached). */
    threads: z.object({ restricted: z.number().int(), outside: z.array(z.object({ tid: z.number().int(), reason: z.string() })) }).optional(),
    readOnly: z.array(z.string()).optional(),
    readWrite: z.array(z.string()).optional(),
    devices: z.array(z.string()).optional(),
    tcpConnect: z.array(z.number().int()).optional(),
    scopes: z.array(z.string()).optional(),
    skipped: z.array(z.object({ path: z.string(), reason: z.string() })).optional(),
  }),
  seccomp: sandboxLayer.extend({ denied: z.array(z.string()).optional() }),
});
export type SandboxStatus = z.infer<typeof sandboxStatus>;

/** The app integrity check (signed release manifest of the shipped files) that gates unsealing. */
export const integrityStatus = z.object({
  /** `unverified`: a development build (no release key built in); `unchecked`: not checked yet in this process. */
  state: z.enum(['verified', 'tampered', 'unverified', 'unchecked']),
  detail: z.string(),
  files: z.number().int().optional(),
  checkedAt: z.string().optional(),
});
export type IntegrityStatus = z.infer<typeof integrityStatus>;

export const kmsMethods = {
  'kms.status': {
    /** `probe: false` skips asking each sealer and token whether it is there (cheap state check). */
    params: z.strictObject({ probe: z.boolean().optional() }),
    result: z.object({
      state: z.enum(['uninitialized', 'locked', 'unlocked']),
      version: z.string(),
      keystoreId: z.string().optional(),
      unlockPolicy: unlockPolicy.optional(),
      sealers: z.array(sealerStatus),
      providers: z.array(z.object({ id: z.string(), available: z.boolean(), detail: z.string().optional() })),
      tokens: z.array(z.object({ serial: z.string(), label: z.string() })),
      failedAttempts: z.number().int().optional(),
      retryAfterMs: z.number().int().optional(),
      rollback: z.string().optional(),
      /** Which mirror guards against an older copy of the keystore file, and why (or why none does). */
      rollbackGuard: z.object({ kind: z.enum(['tpm', 'keychain', 'none']), detail: z.string() }).optional(),
      /** The background check of the whole key set after unlock (keystore/keySet.ts). */
      keySet: z.enum(['not run', 'checking', 'verified', 'tampered']).optional(),
      /** What the OS confirmed about the KMS process: not dumpable (Linux), no core files, deny attach (macOS). */
      hardening: z
        .object({
          dumpable: z.boolean().optional(),
          coreLimitZero: z.boolean().optional(),
          denyAttach: z.boolean().optional(),
          error: z.string().optional(),
          unavailable: z.string().optional(),
        })
        .optional(),
      /** The Linux sandbox (Landlock, no_new_privs, seccomp) as the kernel accepted it at start. */
      sandbox: sandboxStatus.optional(),
      integrity: integrityStatus.optional(),
      /** What `kms.unlock` needs given the enrolled sealers and the unlock policy (empty: a sealer needs nothing). */
      unlockNeeds: z.array(z.enum(['passphrase', 'pin'])).optional(),
    }),
  },
  'kms.init': {
    params: z.strictObject({
      sealers: z.array(sealerEnrolment).min(1).max(4),
      unlockPolicy: unlockPolicy.optional(),
    }),
    result: z.object({ state: z.literal('unlocked'), keystoreId: z.string() }),
  },
  'kms.unlock': {
    params: z.strictObject({ passphrase: secretString.optional(), pin: secretString.optional() }),
    result: z.object({ state: z.literal('unlocked'), unlockedBy: z.array(sealerKind) }),
  },
  'kms.changeSealers': {
    /** The complete new set of sealers; the current secret (passphrase or PIN) re-authenticates the change. */
    params: z.strictObject({
      sealers: z.array(sealerEnrolment).min(1).max(4),
      unlockPolicy: unlockPolicy.optional(),
      passphrase: secretString.optional(),
      pin: secretString.optional(),
    }),
    result: z.object({ sealers: z.array(sealerKind), unlockPolicy: unlockPolicy }),
  },
  'kms.configure': {
    /** Run-time settings main keeps for the user (desktop Settings): how long a decrypted key stays cached. */
    params: z.strictObject({ keyCacheMs: z.number().int().min(0).max(3_600_000) }),
    result: z.object({ keyCacheMs: z.number().int() }),
  },
  'kms.lock': {
    params: empty,
    result: z.object({ state: z.literal('locked') }),
  },
} as const;
