// X25519 key agreement (RFC 7748) on node:crypto. secret = 32-byte private scalar, publicRaw = 32-byte u-coordinate.
import { diffieHellman, type KeyObject } from 'node:crypto';
import type { Jwk } from '../api/common.js';
import type { AlgorithmSpec } from './algorithm.js';
import { okpKeys } from './okpKeys.js';
import { invalid, isBytes, requireLength, sameBytes } from './specChecks.js';
import { didKey } from './walletFormats.js';

const ID = 'x25519';
const ZERO = new Uint8Array(32);

const okp = okpKeys({
  id: ID,
  crv: 'X25519',
  // RFC 8410 sections 7 and 4 (id-X25519 1.3.101.110).
  pkcs8Prefix: Buffer.from('302e020100300506032b656e04220420', 'hex'),
  spkiPrefix: Buffer.from('302a300506032b656e032100', 'hex'),
  checkPublic: (raw) => requireLength(raw, 32, 'X25519 public key'),
});

function peerBytes(peer: Uint8Array | Jwk): Uint8Array {
  if (isBytes(peer)) return requireLength(peer, 32, 'X25519 peer public key');
  const { jwk, publicRaw } = okp.jwkPublic(peer);
  if (jwk['d'] !== undefined) throw invalid('the peer key must be a public JWK');
  return publicRaw;
}

export const x25519Spec: AlgorithmSpec<KeyObject, KeyObject> = {
  id: ID,
  type: 'asymmetric',
  operations: ['agree'],

  ...okp.specMembers,

  describe(publicRaw: Uint8Array): Record<string, string> {
    return { didKey: didKey('x25519', requireLength(publicRaw, 32, 'X25519 public key')) };
  },


  /**
   * RFC 7748 section 6.1: any 32-byte u is accepted (the top bit masked, non-canonical values reduced), and an
   * all-zero output (a low-order peer point) is refused, as section 6.1 allows and JOSE/HPKE require.
   */
  agree(key: KeyObject, peerPublic: Uint8Array | Jwk): Uint8Array {
    const peer = okp.publicKey(peerBytes(peerPublic));
    let shared: Uint8Array;
    try {
      shared = new Uint8Array(diffieHellman({ privateKey: key, publicKey: peer }));
    } catch {
      // OpenSSL refuses the all-zero result itself; the cause could quote nothing secret, but none is needed.
      throw invalid('X25519 peer public key gives an all-zero shared secret');
    }
    if (sameBytes(shared, ZERO)) throw invalid('X25519 peer public key gives an all-zero shared secret');
    return shared;
  },
};
