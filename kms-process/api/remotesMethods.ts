// remotes.* : KMIP servers that `kmip:NAME` keys live on (DESIGN.md section 5). A remote's client key is key
// material: these methods are for `app` and `cli`, never the renderer or REST callers (policy/callerPolicy.ts).
import { z } from 'zod';
import { MAX_KEY_STRING } from './limits.js';

/** The NAME of `kmip:NAME` (the provider id's own pattern). */
export const remoteName = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'a remote name is 1-64 of A-Z a-z 0-9 . _ -');
const pem = (what: string) =>
  z.string().max(MAX_KEY_STRING).regex(/^\s*-----BEGIN [A-Z0-9 ]{1,40}-----[\s\S]*-----END [A-Z0-9 ]{1,40}-----\s*$/, `${what} must be PEM`);

const remoteInfo = z.object({
  name: z.string(),
  host: z.string(),
  port: z.number().int(),
  maxVersion: z.string().optional(),
  timeoutMs: z.number().int().optional(),
  createdAt: z.string(),
  /** Our client certificate, as the server will see it. */
  clientCertificate: z.object({ subject: z.string(), issuer: z.string(), validTo: z.string(), fingerprint256: z.string() }),
});

const probe = z.object({
  reachable: z.boolean(),
  /** The protocol version negotiated with Discover Versions. */
  version: z.string().optional(),
  vendor: z.string().optional(),
  error: z.string().optional(),
});

export const remotesMethods = {
  'remotes.add': {
    params: z.strictObject({
      name: remoteName,
      host: z.string().regex(/^[A-Za-z0-9.:-]{1,253}$/, 'a host name or an IP address'),
      port: z.number().int().min(1).max(65535),
      ca: pem('ca'),
      cert: pem('cert'),
      key: pem('key'),
      maxVersion: z.enum(['1.0', '1.1', '1.2', '1.3', '1.4', '2.0']).optional(),
      timeoutMs: z.number().int().min(500).max(25_000).optional(),
      /** Connect and negotiate a version before storing (default true). */
      check: z.boolean().optional(),
    }),
    result: remoteInfo.extend({ probe: probe.optional() }),
  },
  'remotes.list': {
    /** `probe`: connect to each server and report the negotiated version or why not. */
    params: z.strictObject({ probe: z.boolean().optional() }),
    result: z.object({ remotes: z.array(remoteInfo.extend({ probe: probe.optional() })) }),
  },
  'remotes.remove': {
    params: z.strictObject({ name: remoteName }),
    result: z.object({ name: z.string(), removed: z.literal(true) }),
  },
} as const;
