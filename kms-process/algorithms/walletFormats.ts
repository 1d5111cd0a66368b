// Wallet and identity encodings of public keys for KeyInfo `extra`: Ethereum (EIP-55), Bitcoin P2WPKH / P2TR
// (BIP141, BIP86), Solana (base58) and did:key (multicodec + base58btc). Encodings only; the hashing is noble's.
import { base58 } from '@scure/base';
import { p2tr, p2wpkh, NETWORK } from '@scure/btc-signer';
import { secp256k1 } from '@noble/curves/secp256k1.js';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { parsePublic } from './specChecks.js';

/** The address: last 20 bytes of keccak256(x||y) of the uncompressed point, EIP-55 checksummed. */
export function ethereumAddress(secp256k1Public: Uint8Array): string {
  const point = parsePublic('secp256k1 public key', () => secp256k1.Point.fromBytes(secp256k1Public).toBytes(false));
  return eip55(Buffer.from(keccak_256(point.subarray(1)).subarray(12)).toString('hex'));
}

/** EIP-55: a hex letter is upper-cased where the same nibble of keccak256(lower-case hex) is 8 or more. */
export function eip55(address: string): string {
  const lower = address.replace(/^0x/, '').toLowerCase();
  if (!/^[0-9a-f]{40}$/.test(lower)) throw new Error('not a 20-byte hex address');
  const hash = Buffer.from(keccak_256(new TextEncoder().encode(lower))).toString('hex');
  let out = '0x';
  for (let i = 0; i < lower.length; i++) {
    const c = lower[i]!;
    out += parseInt(hash[i]!, 16) >= 8 ? c.toUpperCase() : c;
  }
  return out;
}

function compressed(secp256k1Public: Uint8Array): Uint8Array {
  return parsePublic('secp256k1 public key', () => secp256k1.Point.fromBytes(secp256k1Public).toBytes(true));
}

/** Native SegWit v0 (bc1q...) address of the compressed key (BIP141/173). */
export function bitcoinP2wpkh(secp256k1Public: Uint8Array): string {
  const address = p2wpkh(compressed(secp256k1Public), NETWORK).address;
  if (!address) throw new Error('p2wpkh produced no address');
  return address;
}

/** Taproot (bc1p...) key-path-only address: BIP86, the x-only key tweaked with an empty script tree (BIP341). */
export function bitcoinP2tr(secp256k1Public: Uint8Array): string {
  const address = p2tr(compressed(secp256k1Public).subarray(1), undefined, NETWORK).address;
  if (!address) throw new Error('p2tr produced no address');
  return address;
}

/** Solana addresses are the 32-byte Ed25519 public key in base58 (Bitcoin alphabet). */
export function solanaAddress(ed25519Public: Uint8Array): string {
  return base58.encode(ed25519Public);
}

/** Multicodec prefixes (unsigned varints) from the multiformats table: ed25519-pub 0xed, x25519-pub 0xec,
 * secp256k1-pub 0xe7, p256-pub 0x1200. */
const MULTICODEC = {
  ed25519: [0xed, 0x01],
  x25519: [0xec, 0x01],
  secp256k1: [0xe7, 0x01],
  p256: [0x80, 0x24],
} as const;

/** did:key (W3C CCG did:key method): 'z' (base58btc multibase) + multicodec prefix + key bytes. EC keys go
 * compressed (33 bytes), as the method specifies. */
export function didKey(kind: keyof typeof MULTICODEC, publicKey: Uint8Array): string {
  return `did:key:z${base58.encode(Uint8Array.from([...MULTICODEC[kind], ...publicKey]))}`;
}
