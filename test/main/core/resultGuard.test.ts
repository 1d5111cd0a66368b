import { describe, expect, it } from 'vitest';
import { exportIsPublic, findSecret } from '../../../main/core/resultGuard.js';

describe('the result guard', () => {
  it('finds secrets anywhere in a result', () => {
    expect(findSecret({ format: 'mnemonic', mnemonic: 'abandon ...' })).toBe('.mnemonic');
    expect(findSecret({ key: { sharedSecret: 'AAAA' } })).toBe('.key.sharedSecret');
    expect(findSecret({ format: 'jwk', jwk: { kty: 'OKP', crv: 'Ed25519', x: 'AA', d: 'BB' } })).toBe('.jwk.d');
    expect(findSecret({ keys: [{ publicKey: { jwk: { kty: 'oct', k: 'AA' } } }] })).toBe('.keys[0].publicKey.jwk.k');
    expect(findSecret({ jwk: { kty: 'AKP', pub: 'AA', priv: 'BB' } })).toBe('.jwk.priv');
  });

  it('leaves public results alone', () => {
    expect(findSecret({ keys: [{ id: 'x', publicKey: { jwk: { kty: 'EC', crv: 'P-256', x: 'A', y: 'B' }, raw: 'C' }, purposes: ['sign'] }] })).toBeUndefined();
    expect(findSecret({ tokens: [{ label: 't', pin: { loggedIn: true, countLow: false } }] })).toBeUndefined();
    expect(findSecret({ signature: 'AAAA', d: 'not in a jwk' })).toBeUndefined();
  });

  it('keys.export answers the renderer in public forms only', () => {
    expect(exportIsPublic('keys.export', { format: 'jwk', jwk: {} })).toBe(true);
    expect(exportIsPublic('keys.export', { format: 'pkcs8', data: 'AA' })).toBe(false);
    expect(exportIsPublic('keys.export', { format: 'raw', data: 'AA', wrappedWith: 'k' })).toBe(false);
    expect(exportIsPublic('crypto.sign', { signature: 'AA' })).toBe(true);
  });
});
