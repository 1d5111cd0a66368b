// Ed25519 (RFC 8032, pure EdDSA over the data) on node:crypto. secret = 32-byte seed, publicRaw = 32-byte key.
import { sign, verify, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import type { AlgorithmSpec, SignInput, VerifyInput } from './algorithm.js';
import { nodeSignAsync } from './nodeSignAsync.js';
import { okpKeys } from './okpKeys.js';
import { parsePublic, rejectOption, requireLength, unsupported, verifyOrFalse } from './specChecks.js';
import { didKey, solanaAddress } from './walletFormats.js';

const ID = 'ed25519';

/** 32 bytes that decode to a point of edwards25519 (RFC 8032 section 5.1.3). */
function checkPublic(raw: Uint8Array): Uint8Array {
  requireLength(raw, 32, 'Ed25519 public key');
  parsePublic('Ed25519 public key', () => ed25519.Point.fromBytes(raw).assertValidity());
  return raw;
}

const okp = okpKeys({
  id: ID,
  crv: 'Ed25519',
  // RFC 8410 sections 7 and 4 (id-Ed25519 1.3.101.112).
  pkcs8Prefix: Buffer.from('302e020100300506032b657004220420', 'hex'),
  spkiPrefix: Buffer.from('302a300506032b6570032100', 'hex'),
  checkPublic,
});

function checkSignOptions(input: SignInput): void {
  if (input.scheme !== undefined && input.scheme !== 'eddsa') throw unsupported(`${ID} signs with 'eddsa' only`);
  rejectOption(ID, 'hash', input.hash);
  rejectOption(ID, 'context', input.context);
  // Ed25519ph (RFC 8032 prehash variant) is a different algorithm; it is not offered.
  if (input.prehashed) throw unsupported(`${ID} is pure EdDSA; 'prehashed' is not supported`);
  if (input.format !== undefined && input.format !== 'p1363') throw unsupported(`${ID} signatures are 64 bytes R||S`);
}

export const ed25519Spec: AlgorithmSpec<KeyObject, KeyObject> = {
  id: ID,
  type: 'asymmetric',
  operations: ['sign', 'verify'],

  ...okp.specMembers,

  // Only stored keys are described (keys.list, keys.get): their point was checked when they entered the keystore
  // (generate, import) and their row is MACed, and both formats are encodings of the 32 bytes. Decompressing the
  // point again would cost a field square root per key and page (issue 17: a keys.list page at a million keys).
  describe(publicRaw: Uint8Array): Record<string, string> {
    requireLength(publicRaw, 32, 'Ed25519 public key');
    return { solanaAddress: solanaAddress(publicRaw), didKey: didKey('ed25519', publicRaw) };
  },


  sign(key: KeyObject, input: SignInput): Uint8Array {
    checkSignOptions(input);
    return new Uint8Array(sign(null, input.data, key));
  },

  signAsync(key: KeyObject, input: SignInput): Promise<Uint8Array> {
    checkSignOptions(input);
    return nodeSignAsync(null, input.data, key);
  },

  verify(key: KeyObject, input: VerifyInput): boolean {
    checkSignOptions(input);
    if (input.signature.length !== 64) return false;
    return verifyOrFalse(() => verify(null, input.data, key, input.signature));
  },
};
