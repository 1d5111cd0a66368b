// The WebKMS client libraries the tests drive the service with ship JavaScript without type declarations.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare module '@digitalbazaar/webkms-client' {
  export class CapabilityAgent {
    static fromSecret(options: { secret: Uint8Array | string; handle: string }): Promise<CapabilityAgent>;
    id: string;
    getSigner(): any;
  }
  export class KmsClient {
    constructor(options?: { keystoreId?: string; httpsAgent?: unknown });
    static createKeystore(options: Record<string, unknown>): Promise<{ id: string; controller: string; sequence: number }>;
    getKeystore(options: Record<string, unknown>): Promise<Record<string, unknown>>;
    generateKey(options: Record<string, unknown>): Promise<{ keyId: string; keyDescription: Record<string, unknown> }>;
    sign(options: Record<string, unknown>): Promise<Uint8Array>;
    verify(options: Record<string, unknown>): Promise<boolean>;
    revokeCapability(options: Record<string, unknown>): Promise<void>;
  }
  export class KeystoreAgent {
    constructor(options: { capabilityAgent: CapabilityAgent; keystoreId: string; kmsClient: KmsClient });
    generateKey(options: { type: string }): Promise<any>;
    getKeyAgreementKey(options: Record<string, unknown>): Promise<any>;
  }
}
declare module '@digitalbazaar/ezcap' {
  export class ZcapClient {
    constructor(options: Record<string, unknown>);
    delegate(options: Record<string, unknown>): Promise<Record<string, unknown>>;
  }
}
declare module '@digitalbazaar/http-signature-zcap-invoke' {
  export function signCapabilityInvocation(options: Record<string, unknown>): Promise<Record<string, string>>;
}
