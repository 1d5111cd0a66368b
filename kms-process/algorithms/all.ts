// Every algorithm this KMS build offers, registered once. Adding an algorithm is adding a file and a line here.
import { aes128Spec, aes256Spec } from './aes.js';
import type { AlgorithmSpec } from './algorithm.js';
import { p224Spec, p256Spec, p384Spec, p521Spec } from './ecdsaNist.js';
import { ed25519Spec } from './ed25519.js';
import { hmacSha256Spec, hmacSha384Spec, hmacSha512Spec } from './hmac.js';
import { AlgorithmRegistry } from './registry.js';
import { secp256k1Spec } from './secp256k1.js';

export const ALL_SPECS: readonly AlgorithmSpec[] = [
  ed25519Spec,
  secp256k1Spec,
  p224Spec,
  p256Spec,
  p384Spec,
  p521Spec,
  aes128Spec,
  aes256Spec,
  hmacSha256Spec,
  hmacSha384Spec,
  hmacSha512Spec,
];

export function createAlgorithmRegistry(): AlgorithmRegistry {
  const registry = new AlgorithmRegistry();
  for (const spec of ALL_SPECS) registry.register(spec);
  return registry;
}
