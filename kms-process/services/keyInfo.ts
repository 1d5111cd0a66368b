// KeyInfo (the public description of a key on the wire) from a stored record and its algorithm file.
import { toB64u, type KeyInfo } from '../api/index.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { KeyRecord } from '../keystore/keyTable.js';

export function keyInfo(registry: AlgorithmRegistry, rec: KeyRecord): KeyInfo {
  const info: KeyInfo = {
    id: rec.id,
    label: rec.label,
    algorithm: rec.algorithm,
    provider: rec.provider,
    purposes: rec.policy.purposes,
    exportable: rec.policy.exportable,
    requiresApproval: rec.policy.requiresApproval,
    createdAt: new Date(rec.createdAt).toISOString(),
  };
  if (rec.policy.callers) info.callers = rec.policy.callers;
  if (rec.policy.allowRawAgreement) info.allowRawAgreement = true;
  const spec = registry.has(rec.algorithm) ? registry.get(rec.algorithm) : undefined;
  // Keys that rotate (symmetric software keys) say which version is current: ciphertexts name the version that
  // made them, and keys.retireVersions takes a version number.
  if (spec?.type === 'symmetric' && rec.provider === 'software') info.version = rec.version;
  if (rec.publicRaw) {
    info.publicKey = { raw: toB64u(rec.publicRaw) };
    const jwk = spec?.publicJwk?.(rec.publicRaw);
    if (jwk) info.publicKey.jwk = jwk;
    const extra = spec?.describe?.(rec.publicRaw);
    if (extra && Object.keys(extra).length > 0) info.extra = extra;
  }
  if (rec.derivation) info.derivation = rec.derivation;
  return info;
}
