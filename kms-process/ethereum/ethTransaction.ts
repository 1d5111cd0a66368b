// An EIP-1559 transaction from the fields of crypto.signEthTransaction, built and checked by micro-eth-signer
// (strict: checksums, fee sanity, priority fee under the max fee), its signing digest, and the signed transaction
// assembled from a signature made elsewhere (the key's provider), then recovered again as a check.
import { keccak_256 } from '@noble/hashes/sha3.js';
import { addr, Transaction } from 'micro-eth-signer';
import { KmsError, type EthTransaction } from '../api/index.js';

type Eip1559 = ReturnType<typeof Transaction.prepare<'eip1559'>>;

/** micro-eth-signer's own field errors, as one INVALID_REQUEST naming the fields (never their values). */
function invalidTx(e: unknown): KmsError {
  const fields = (e as { errors?: Array<{ field: string; error: string }> }).errors;
  const detail = Array.isArray(fields) && fields.length > 0 ? fields.map((f) => `${f.field}: ${f.error}`).join('; ') : 'the transaction fields are not valid';
  return new KmsError('INVALID_REQUEST', `transaction ${detail}`.slice(0, 300));
}

export function prepareEthTransaction(tx: EthTransaction): Eip1559 {
  try {
    return Transaction.prepare({
      type: 'eip1559',
      chainId: BigInt(tx.chainId),
      nonce: BigInt(tx.nonce),
      to: tx.to,
      value: BigInt(tx.value),
      gasLimit: BigInt(tx.gasLimit),
      maxFeePerGas: BigInt(tx.maxFeePerGas),
      maxPriorityFeePerGas: BigInt(tx.maxPriorityFeePerGas),
      data: tx.data ?? '',
    });
  } catch (e) {
    throw invalidTx(e);
  }
}

/** What the sender signs: keccak256 of the unsigned EIP-2718 bytes (0x02 || rlp([...fields])). */
export function ethSigningDigest(tx: Eip1559): Uint8Array {
  return keccak_256(tx.toBytes({ includeSignature: false }));
}

/** The signed transaction from a 65-byte r||s||v (v 0/1) signature, refused unless it recovers `expectedFrom`. */
export function assembleSignedTransaction(tx: Eip1559, sig: Uint8Array, expectedFrom: string): { signedTransaction: string; hash: string; from: string } {
  if (sig.length !== 65) throw new KmsError('INTERNAL', 'the key returned a signature of the wrong length');
  const r = BigInt(`0x${Buffer.from(sig.subarray(0, 32)).toString('hex')}`);
  const s = BigInt(`0x${Buffer.from(sig.subarray(32, 64)).toString('hex')}`);
  const signed = new Transaction('eip1559', { ...tx.raw, r, s, yParity: sig[64]! }, { strict: false });
  const from = signed.sender;
  if (from.toLowerCase() !== expectedFrom.toLowerCase()) throw new KmsError('INTERNAL', 'the signature does not recover the key that made it');
  return { signedTransaction: signed.toHex(), hash: signed.hash, from: addr.addChecksum(from) };
}

/** The EIP-55 address of a secp256k1 public key (33 or 65 bytes). */
export function ethAddressOf(publicRaw: Uint8Array): string {
  return addr.fromPublicKey(publicRaw);
}
