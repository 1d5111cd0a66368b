// Where the policy rules of issue 10 meet the callers added beside them: `pkcs11` is opt-in (a key without a callers
// list does not admit it), so the renderer naming it is a widening; and raw shared secrets reach the PKCS#11 module
// or a REST client only from keys the user made for them, never the renderer.
import { createECDH, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kindOf, removeDir, startInitializedKms, type TestKms } from '../../helpers/kms.js';
import { widenedRights } from '../../../kms-process/policy/rightsChange.js';
import { inheritGuards } from '../../../kms-process/policy/inheritance.js';

let kms: TestKms;
const as = (caller: 'ui' | 'rest' | 'pkcs11' | 'app') => ({ caller });
const base = { purposes: ['sign' as const], exportable: false, requiresApproval: false };

beforeAll(async () => {
  kms = await startInitializedKms({ callers: ['test', 'ui', 'rest', 'pkcs11', 'app'] });
});

afterAll(async () => {
  await kms?.stop();
  removeDir(kms.dir);
});

/** A P-256 public key as a JWK, for agreements. */
function peer(): Record<string, string> {
  const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ format: 'jwk' }) as Record<string, string>;
}

describe('opt-in callers in the rights rules', () => {
  it('naming pkcs11 where a key had no callers list widens (it admitted every caller but pkcs11)', () => {
    expect(widenedRights(base, { ...base, callers: ['pkcs11'] })).toEqual(['callers pkcs11']);
    expect(widenedRights(base, { ...base, callers: ['ui'] })).toEqual([]);
    expect(widenedRights({ ...base, callers: ['ui'] }, base)).toEqual(['every caller']);
  });

  it('a child of a key without a callers list does not gain pkcs11 by asking for it', () => {
    expect(inheritGuards(base, { ...base, callers: ['pkcs11', 'ui'] }).callers).toEqual(['ui']);
    // A child that asks for no list asks for the default (every caller but pkcs11): it stays narrower than its parent.
    expect(inheritGuards({ ...base, callers: ['pkcs11', 'app'] }, base).callers).toEqual(['app']);
    expect(inheritGuards({ ...base, callers: ['pkcs11', 'app'] }, { ...base, callers: ['pkcs11'] }).callers).toEqual(['pkcs11']);
    expect(inheritGuards(base, base).callers).toBeUndefined();
  });

  it('through the KMS: ui cannot opt a key in for the PKCS#11 module; app can', async () => {
    const key = await kms.client.call('keys.generate', { algorithm: 'p256' });
    expect(await kindOf(kms.client.call('keys.update', { id: key.id, policy: { callers: ['pkcs11'] } }, as('ui')))).toBe('POLICY_DENIED');
    expect(await kindOf(kms.client.call('keys.get', { id: key.id }, as('pkcs11')))).toBe('NOT_FOUND');
    await kms.client.call('keys.update', { id: key.id, policy: { callers: ['pkcs11'] } }, as('app'));
    expect((await kms.client.call('keys.get', { id: key.id }, as('pkcs11'))).id).toBe(key.id);
  });
});

describe('who receives a raw shared secret (keys whose policy allows raw agreement)', () => {
  it('the PKCS#11 module only from a key that names it; the renderer never', async () => {
    const opted = await kms.client.call('keys.generate', { algorithm: 'p256', purposes: ['agree'], allowRawAgreement: true, callers: ['pkcs11', 'ui'] });
    const p = peer();
    const got = await kms.client.call('crypto.agree', { id: opted.id, peerPublicKey: p, raw: true }, as('pkcs11'));
    expect(got.sharedSecret).toBeTruthy();
    expect(await kindOf(kms.client.call('crypto.agree', { id: opted.id, peerPublicKey: p, raw: true }, as('ui')))).toBe('POLICY_DENIED');
  });

  it('a REST client only from a key that admits rest alone; not from a wallet key it may use', async () => {
    const restOnly = await kms.client.call('keys.generate', { algorithm: 'p256', purposes: ['agree'], allowRawAgreement: true, callers: ['rest'] });
    const shared = await kms.client.call('keys.generate', { algorithm: 'p256', purposes: ['agree'], allowRawAgreement: true, callers: ['rest', 'app'] });
    const p = peer();
    expect((await kms.client.call('crypto.agree', { id: restOnly.id, peerPublicKey: p, raw: true }, as('rest'))).sharedSecret).toBeTruthy();
    expect(await kindOf(kms.client.call('crypto.agree', { id: shared.id, peerPublicKey: p, raw: true }, as('rest')))).toBe('POLICY_DENIED');
  });

  it('the secret the module gets is the real ECDH secret (checked with node:crypto)', async () => {
    const key = await kms.client.call('keys.generate', { algorithm: 'p256', purposes: ['agree'], allowRawAgreement: true, callers: ['pkcs11'] });
    const mine = createECDH('prime256v1');
    mine.generateKeys();
    const jwk = createPublicKey({ key: Buffer.concat([Buffer.from('3059301306072a8648ce3d020106082a8648ce3d030107034200', 'hex'), mine.getPublicKey()]), format: 'der', type: 'spki' }).export({ format: 'jwk' }) as Record<string, string>;
    const got = await kms.client.call('crypto.agree', { id: key.id, peerPublicKey: jwk, raw: true }, as('pkcs11'));
    const theirPub = Buffer.from(key.publicKey!.raw, 'base64url');
    expect(Buffer.from(got.sharedSecret!, 'base64url').equals(mine.computeSecret(theirPub))).toBe(true);
  });
});
