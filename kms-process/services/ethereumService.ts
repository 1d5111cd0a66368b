// crypto.signEthTransaction and crypto.signTypedData: the KMS builds the exact bytes from structured params, signs
// their digest with the key's provider (software or token) as a recoverable secp256k1 signature, and checks that
// the result recovers the key. Callers that cannot confirm get APPROVAL_DENIED first (policy/alwaysConfirmed.ts).
import { KmsError, type Caller, type MethodName } from '../api/index.js';
import type { KmsContext } from '../kmsContext.js';
import { assertConfirmedByUser } from '../policy/alwaysConfirmed.js';
import { assembleSignedTransaction, ethAddressOf, ethSigningDigest, prepareEthTransaction } from '../ethereum/ethTransaction.js';
import { typedDataDigest } from '../ethereum/typedData.js';
import { keyFor } from './cryptoService.js';
import type { HandlerTable } from './handler.js';

/** The digest is made (and the params checked) before this: a malformed request never brings up a prompt. */
async function signDigest(ctx: KmsContext, id: string, method: MethodName, caller: Caller, digest: Uint8Array) {
  const { key, provider } = await keyFor(ctx, id, 'sign', caller);
  if (key.algorithm !== 'secp256k1' || !key.publicRaw) throw new KmsError('UNSUPPORTED', 'Ethereum signatures need a secp256k1 key');
  assertConfirmedByUser(method, caller);
  if (!provider.sign) throw new KmsError('UNSUPPORTED', 'this provider cannot sign');
  const sig = await provider.sign(key, { data: digest, prehashed: true, hash: 'keccak256', format: 'recoverable' });
  return { sig, from: ethAddressOf(key.publicRaw) };
}

export function ethereumHandlers(ctx: KmsContext): HandlerTable {
  return {
    'crypto.signEthTransaction': async (p, call) => {
      const tx = prepareEthTransaction(p.tx);
      const { sig, from } = await signDigest(ctx, p.id, call.method, call.caller, ethSigningDigest(tx));
      return assembleSignedTransaction(tx, sig, from);
    },
    'crypto.signTypedData': async (p, call) => {
      const digest = await typedDataDigest(p.typedData);
      const { sig, from } = await signDigest(ctx, p.id, call.method, call.caller, digest);
      const out = Buffer.from(sig);
      out[64] = 27 + out[64]!; // eth_signTypedData's v
      return { signature: `0x${out.toString('hex')}`, hash: `0x${Buffer.from(digest).toString('hex')}`, from };
    },
  };
}
