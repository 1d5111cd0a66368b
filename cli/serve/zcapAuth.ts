// Authorization of WebKMS requests: a ZCAP capability invocation in HTTP Signature headers, verified with Digital
// Bazaar's libraries (http-signature-zcap-verify, zcap, ed25519-signature-2020; did:key controllers resolved
// locally). On top of what they check (signature, expiry, delegation chain, attenuation, actions, chain length),
// this refuses revoked capabilities, a replayed signature, and a body that does not match its Digest header.
import { createHash } from 'node:crypto';
import { verifyHeaderValue } from '@digitalbazaar/http-digest-header';
import { parseSignatureHeader } from '@digitalbazaar/http-signature-header';
import { verifyCapabilityInvocation } from '@digitalbazaar/http-signature-zcap-verify';
import { CapabilityDelegation, constants as zcapConstants, extendDocumentLoader } from '@digitalbazaar/zcap';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { Ed25519VerificationKey2020 } from '@digitalbazaar/ed25519-verification-key-2020';
import { securityLoader } from '@digitalbazaar/security-document-loader';
import jsigs from 'jsonld-signatures';
import type { WEBKMS_REFUSALS } from '../../kms-process/api/webkmsMethods.js';

export type Refusal = (typeof WEBKMS_REFUSALS)[number];

export class AuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly refusal: Refusal,
    message: string,
  ) {
    super(message);
  }
}

/** Longest chain of delegations accepted (root included). */
export const MAX_CHAIN_LENGTH = 5;
/** Longest life of a delegated capability (created to expires). */
export const MAX_DELEGATION_TTL_MS = 365 * 86_400_000;
/** Longest life of one signed request (webkms-client signs for 10 minutes): bounds the replay cache. */
const MAX_SIGNATURE_LIFE_S = 15 * 60;
const MAX_REPLAY_ENTRIES = 100_000;

export const zcapHash = (id: string): string => createHash('sha256').update(id).digest('base64url');

export interface ZcapAuthOptions {
  /** Hosts a request may name (127.0.0.1:PORT, localhost:PORT). */
  hosts: string[];
  /** Controllers of the root capability whose invocation target is `target`, or undefined when there is none. */
  rootControllers(target: string): string[] | undefined;
  isRevoked(hash: string): boolean;
}

export class ZcapAuth {
  private readonly seen = new Map<string, number>();
  readonly suite = new Ed25519Signature2020();
  readonly documentLoader: (url: string) => Promise<unknown>;

  constructor(private readonly options: ZcapAuthOptions) {
    const security = securityLoader().build();
    this.documentLoader = extendDocumentLoader(async (url: string) => {
      if (url.startsWith(zcapConstants.ZCAP_ROOT_PREFIX)) {
        const target = decodeURIComponent(url.slice(zcapConstants.ZCAP_ROOT_PREFIX.length));
        const controller = this.options.rootControllers(target);
        if (!controller) throw new Error('no such root capability');
        return { contextUrl: null, documentUrl: url, document: { '@context': zcapConstants.ZCAP_CONTEXT_URL, id: url, controller, invocationTarget: target } };
      }
      // did:key documents and the security contexts only: nothing is fetched from the network.
      return security(url);
    });
  }

  private async getVerifier({ keyId }: { keyId: string }) {
    const { document } = (await this.documentLoader(keyId)) as { document: Record<string, unknown> };
    if (document.type !== 'Ed25519VerificationKey2020') throw new Error('unsupported verification method');
    const key = await Ed25519VerificationKey2020.from(document);
    return { verifier: key.verifier(), verificationMethod: document };
  }

  /** Refuse a signature seen before, and remember this one until it expires. */
  private checkReplay(headers: Record<string, string | string[] | undefined>, nowS: number): () => void {
    let params: Record<string, string> = {};
    try {
      params = parseSignatureHeader(String(headers.authorization ?? '')).params;
    } catch {
      // answered below
    }
    const sig = params.signature;
    const expires = Number(params.expires);
    const created = Number(params.created);
    if (!sig || !Number.isFinite(expires) || !Number.isFinite(created)) throw new AuthError(401, 'UNSIGNED', 'the request has no HTTP signature with created and expires');
    if (expires - created > MAX_SIGNATURE_LIFE_S) throw new AuthError(401, 'EXPIRED', `a request signature may live ${MAX_SIGNATURE_LIFE_S} s at most`);
    for (const [k, exp] of this.seen) if (exp < nowS - 300) this.seen.delete(k);
    if (this.seen.has(sig)) throw new AuthError(401, 'REPLAYED', 'this signed request was seen before');
    if (this.seen.size >= MAX_REPLAY_ENTRIES) throw new AuthError(401, 'REPLAYED', 'too many requests in flight to track replays');
    return () => this.seen.set(sig, expires);
  }

  /**
   * Verify an invocation of `expectedAction` on the absolute URL `target`, rooted at `expectedRootCapability`.
   * Returns the invoker's DID; throws AuthError.
   */
  async verify(req: {
    method: string;
    path: string;
    headers: Record<string, string | string[] | undefined>;
    body?: Buffer | undefined;
    target: string;
    expectedAction: string;
    expectedRootCapability: string | string[];
  }): Promise<string> {
    const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k.toLowerCase(), Array.isArray(v) ? v.join(', ') : (v ?? '')]));
    if (!headers.authorization || !headers['capability-invocation']) throw new AuthError(401, 'UNSIGNED', 'a capability invocation (HTTP Signature) is required');
    const nowS = Math.floor(Date.now() / 1000);
    const remember = this.checkReplay(headers, nowS);
    if (req.body && req.body.length > 0) {
      if (!headers.digest) throw new AuthError(401, 'BAD_DIGEST', 'a request with a body needs a Digest header');
      const { verified } = await verifyHeaderValue({ data: req.body.toString('utf8'), headerValue: headers.digest });
      if (!verified) throw new AuthError(401, 'BAD_DIGEST', 'the body does not match its Digest header');
    }
    let revoked = false;
    const result = await verifyCapabilityInvocation({
      url: req.path,
      method: req.method,
      headers,
      getVerifier: (o: { keyId: string }) => this.getVerifier(o),
      documentLoader: this.documentLoader,
      expectedHost: this.options.hosts,
      expectedAction: req.expectedAction,
      expectedRootCapability: req.expectedRootCapability,
      expectedTarget: req.target,
      suite: this.suite,
      allowTargetAttenuation: true,
      maxChainLength: MAX_CHAIN_LENGTH,
      maxDelegationTtl: MAX_DELEGATION_TTL_MS,
      maxClockSkew: 60,
      inspectCapabilityChain: async ({ capabilityChain }: { capabilityChain: Array<{ id: string }> }) => {
        const hit = capabilityChain.find((c) => typeof c.id === 'string' && this.options.isRevoked(zcapHash(c.id)));
        if (hit) {
          revoked = true;
          return { valid: false, error: new Error('a capability in the chain was revoked') };
        }
        return { valid: true };
      },
    }).catch((e: unknown) => ({ verified: false as const, error: e as Error }));
    if (!result.verified) throw classify(result.error, revoked);
    remember();
    return String(result.invoker ?? result.controller);
  }

  /** Check a capability sent for revocation: a valid delegation rooted at `rootId`. Returns its delegators. */
  async verifyDelegated(capability: Record<string, unknown>, rootId: string): Promise<string[]> {
    const result = await jsigs.verify(capability, {
      suite: this.suite,
      purpose: new CapabilityDelegation({ expectedRootCapability: rootId, suite: this.suite, allowTargetAttenuation: true, maxChainLength: MAX_CHAIN_LENGTH }),
      documentLoader: this.documentLoader,
    });
    if (!result.verified) throw new AuthError(400, 'MALFORMED', 'the capability to revoke is not a valid delegation from this keystore');
    const delegators: string[] = [];
    for (let c: Record<string, unknown> | undefined = capability; c && typeof c === 'object'; c = c.parentCapability as Record<string, unknown> | undefined) {
      const vm = (c.proof as { verificationMethod?: unknown } | undefined)?.verificationMethod;
      if (typeof vm === 'string') delegators.push(vm.split('#')[0]!);
      if (typeof c.parentCapability !== 'object') break;
    }
    return delegators;
  }
}

/** Authentication failures are 401, authorization failures 403; the library's message goes to the client. */
function classify(error: (Error & { name?: string }) | undefined, revoked: boolean): AuthError {
  const message = error?.message ?? 'the capability invocation is not valid';
  if (revoked) return new AuthError(403, 'REVOKED', 'a capability in the chain was revoked');
  if (/expire/i.test(message)) return new AuthError(/signature/i.test(message) ? 401 : 403, 'EXPIRED', message);
  if (error?.name === 'DataError' || /signature|header/i.test(message)) return new AuthError(401, 'BAD_SIGNATURE', message);
  return new AuthError(403, 'NOT_AUTHORIZED', message);
}
