// Every algorithm this KMS build offers, registered once. Adding an algorithm is adding a file and a line here.
import { aes128Spec, aes256Spec } from './aes.js';
import type { AlgorithmSpec } from './algorithm.js';
import { chacha20Poly1305Spec, xchacha20Poly1305Spec } from './chacha.js';
import { p224Spec, p256Spec, p384Spec, p521Spec } from './ecdsaNist.js';
import { ed25519Spec } from './ed25519.js';
import { hdSeedSpec } from './hdSeed.js';
import { hmacSha256Spec, hmacSha384Spec, hmacSha512Spec } from './hmac.js';
import { mlDsa44Spec, mlDsa65Spec, mlDsa87Spec } from './mlDsa.js';
import { mlKem768Spec } from './mlKem.js';
import { AlgorithmRegistry } from './registry.js';
import { rsa2048Spec, rsa3072Spec, rsa4096Spec } from './rsa.js';
import { secp256k1Spec } from './secp256k1.js';
import { x25519Spec } from './x25519.js';

export const ALL_SPECS: readonly AlgorithmSpec[] = [
  ed25519Spec,
  x25519Spec,
  secp256k1Spec,
  p224Spec,
  p256Spec,
  p384Spec,
  p521Spec,
  rsa2048Spec,
  rsa3072Spec,
  rsa4096Spec,
  aes128Spec,
  aes256Spec,
  hmacSha256Spec,
  hmacSha384Spec,
  hmacSha512Spec,
  chacha20Poly1305Spec,
  xchacha20Poly1305Spec,
  mlDsa44Spec,
  mlDsa65Spec,
  mlDsa87Spec,
  mlKem768Spec,
  hdSeedSpec,
];

export function createAlgorithmRegistry(): AlgorithmRegistry {
  const registry = new AlgorithmRegistry();
  for (const spec of ALL_SPECS) registry.register(spec);
  return registry;
}
