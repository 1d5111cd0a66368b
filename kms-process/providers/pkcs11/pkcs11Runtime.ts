// The PKCS#11 side of a running KMS, made on first use (loading the modules costs about 100 ms, which a KMS
// that never touches a token should not pay at start): modules, token service, provider and sealer.
import type { Sealer, SealedCopy, SealContext, UnlockSecrets } from '../../sealing/sealer.js';
import type { SealerEnrolment } from '../../api/index.js';
import type { PinFailureStore } from './pinFailureStore.js';
import type { Pkcs11Provider } from './pkcs11Provider.js';
import type { TokenService } from './tokenService.js';

export interface Pkcs11Parts {
  tokens: TokenService;
  provider: Pkcs11Provider;
  sealer: Sealer;
}

export class Pkcs11Runtime {
  private parts: Promise<Pkcs11Parts> | undefined;

  constructor(private readonly pinStore: () => PinFailureStore) {}

  get started(): boolean {
    return this.parts !== undefined;
  }

  get(): Promise<Pkcs11Parts> {
    this.parts ??= (async () => {
      const [{ Pkcs11Modules }, { TokenService }, { Pkcs11Provider }, { Pkcs11Sealer }] = await Promise.all([
        import('./moduleRegistry.js'),
        import('./tokenService.js'),
        import('./pkcs11Provider.js'),
        import('../../sealing/pkcs11Sealer.js'),
      ]);
      const tokens = new TokenService({ modules: Pkcs11Modules.load(), pinStore: this.pinStore() });
      const provider = new Pkcs11Provider(tokens);
      return { tokens, provider, sealer: new Pkcs11Sealer(provider) };
    })();
    return this.parts;
  }

  /** The `pkcs11` sealer, loading the runtime when it is first asked for anything. */
  sealer(): Sealer {
    const parts = () => this.get();
    return {
      kind: 'pkcs11',
      needs: 'pin',
      availability: async () => (await parts()).sealer.availability(),
      seal: async (secret: Uint8Array, enrolment: SealerEnrolment, ctx: SealContext) => (await parts()).sealer.seal(secret, enrolment, ctx),
      unseal: async (copy: SealedCopy, secrets: UnlockSecrets, ctx: SealContext) => (await parts()).sealer.unseal(copy, secrets, ctx),
    };
  }

  async close(): Promise<void> {
    if (this.parts) (await this.parts).tokens.close();
  }
}
