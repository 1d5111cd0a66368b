// Shared setup for the PKCS#11 tests: a fresh SoftHSM2 with tokens, the module loaded, a TokenService and a
// provider over it, and a helper that makes StoredKeyRefs the way the keystore will.
import type { AlgorithmId } from '../../../../kms-process/api/index.js';
import { Pkcs11Modules } from '../../../../kms-process/providers/pkcs11/moduleRegistry.js';
import { Pkcs11Provider } from '../../../../kms-process/providers/pkcs11/pkcs11Provider.js';
import { TokenService, type TokenServiceOptions } from '../../../../kms-process/providers/pkcs11/tokenService.js';
import type { StoredKeyRef } from '../../../../kms-process/providers/provider.js';
import { startSoftHsm, type SoftHsm } from '../../../services/softhsm.js';

export interface Fixture {
  hsm: SoftHsm;
  tokens: TokenService;
  provider: Pkcs11Provider;
  close(): Promise<void>;
}

export async function softHsmFixture(labels: string[], options: Partial<TokenServiceOptions> = {}): Promise<Fixture> {
  const hsm = await startSoftHsm(labels);
  const modules = Pkcs11Modules.load([{ path: hsm.modulePath, source: 'config' }]);
  const tokens = new TokenService({ ...options, modules });
  const provider = new Pkcs11Provider(tokens);
  return {
    hsm,
    tokens,
    provider,
    async close() {
      tokens.close();
      await hsm.cleanup();
    },
  };
}

let counter = 0;
export function storedRef(algorithm: AlgorithmId, ref: Record<string, string> | undefined, publicRaw?: Uint8Array): StoredKeyRef {
  counter += 1;
  return { id: `testkey${counter.toString().padStart(4, '0')}`, algorithm, provider: `pkcs11:${ref?.serial}`, publicRaw, ref };
}
