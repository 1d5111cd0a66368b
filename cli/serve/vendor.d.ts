// Digital Bazaar's ZCAP and HTTP-signature libraries ship JavaScript without type declarations; these are the
// parts the WebKMS service uses, typed as loosely as they are documented.
declare module '@digitalbazaar/http-signature-zcap-verify' {
  export function verifyCapabilityInvocation(options: Record<string, unknown>): Promise<{
    verified: boolean;
    error?: Error & { name?: string };
    capability?: Record<string, unknown> | string;
    capabilityAction?: string;
    controller?: string;
    invoker?: string;
    dereferencedChain?: Array<Record<string, unknown>>;
  }>;
}
declare module '@digitalbazaar/zcap' {
  export class CapabilityDelegation {
    constructor(options: Record<string, unknown>);
  }
  export const constants: { ZCAP_CONTEXT_URL: string; ZCAP_ROOT_PREFIX: string; ZCAP_CONTEXT: unknown };
  export function extendDocumentLoader(loader: (url: string) => Promise<unknown>): (url: string) => Promise<unknown>;
}
declare module '@digitalbazaar/ed25519-signature-2020' {
  export class Ed25519Signature2020 {
    constructor(options?: Record<string, unknown>);
  }
}
declare module '@digitalbazaar/ed25519-verification-key-2020' {
  export class Ed25519VerificationKey2020 {
    static from(options: Record<string, unknown>): Promise<Ed25519VerificationKey2020>;
    id: string;
    controller: string;
    verifier(): { verify(options: { data: Uint8Array; signature: Uint8Array }): Promise<boolean> };
  }
}
declare module '@digitalbazaar/security-document-loader' {
  export function securityLoader(): { build(): (url: string) => Promise<{ document: unknown }>; addStatic(url: string, doc: unknown): void };
}
declare module '@digitalbazaar/http-digest-header' {
  export function verifyHeaderValue(options: { data: Uint8Array | string; headerValue: string }): Promise<{ verified: boolean; error?: Error }>;
}
declare module 'jsonld-signatures' {
  const jsigs: {
    verify(doc: unknown, options: Record<string, unknown>): Promise<{ verified: boolean; error?: Error }>;
    sign(doc: unknown, options: Record<string, unknown>): Promise<unknown>;
  };
  export default jsigs;
}
declare module '@digitalbazaar/http-signature-header' {
  export function parseSignatureHeader(header: string): { scheme: string; params: Record<string, string> };
}
