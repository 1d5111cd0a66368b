import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { approvalView, readableText } from '../../../main/core/approvalView.js';

const key = { id: 'k1234567', label: 'Vault', algorithm: 'p256' };
const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

describe('what an approval prompt shows', () => {
  it('a personal message as its text', () => {
    const v = approvalView('crypto.sign', { id: key.id, data: b64u('Pay 5 EUR to Bob\nthanks') }, key);
    expect(v).toMatchObject({ action: 'Sign a message', keyLabel: 'Vault', algorithm: 'p256', caller: 'ui', what: { kind: 'message', text: 'Pay 5 EUR to Bob\nthanks' } });
  });

  it('deleting a key, or retiring its versions, says what cannot be undone; other changes do not warn', () => {
    expect(approvalView('keys.delete', { id: key.id }, key)).toMatchObject({ action: 'Delete the key', what: { kind: 'details', lines: [] }, warning: expect.stringMatching(/destroyed for good/) });
    expect(approvalView('keys.retireVersions', { id: key.id, below: 2 }, key).warning).toMatch(/cannot be decrypted again/);
    expect(approvalView('keys.rotate', { id: key.id }, key).warning).toBeUndefined();
  });

  it('binary data, and text that could hide what is signed, by SHA-256', () => {
    for (const data of [Buffer.from([0, 1, 2, 255]), Buffer.from('pay \u202eboB ot 5'), Buffer.from('a\u0000b'), Buffer.from([0xc3, 0x28])]) {
      const v = approvalView('crypto.sign', { id: key.id, data: b64u(data) }, key);
      expect(v.what).toEqual({ kind: 'hash', sha256: createHash('sha256').update(data).digest('hex'), bytes: data.length });
      expect(v.action).toBe('Sign data');
    }
  });

  it('prehashed data is shown as the digest it is, even when its bytes read as text', () => {
    const digest = Buffer.from('Pay 5 EUR to Bob, a 32-byte str');
    const v = approvalView('crypto.sign', { id: key.id, data: b64u(digest), prehashed: true }, key);
    expect(v.what).toEqual({ kind: 'details', lines: [`a precomputed digest (31 bytes): ${digest.toString('hex')}`] });
  });

  it('a long text by its hash too', () => {
    expect(readableText(Buffer.from('a'.repeat(2001)))).toBeUndefined();
    expect(readableText(Buffer.from('a'.repeat(2000)))).toBe('a'.repeat(2000));
  });

  it('a JWS payload; other operations by their parameters', () => {
    expect(approvalView('crypto.signJws', { id: key.id, payload: b64u('{"a":1}') }, key).what).toEqual({ kind: 'message', text: '{"a":1}' });
    const upd = approvalView('keys.update', { id: key.id, policy: { requiresApproval: false } }, key);
    expect(upd.what).toEqual({ kind: 'details', lines: ['policy: {"requiresApproval":false}'] });
    expect(upd.action).toBe('Change the key');
  });
});
