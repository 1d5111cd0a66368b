// The broker's allowlist for `ui` against the protocol and against the KMS's own caller policy: every method is
// either the renderer's or named as never the renderer's, and the broker is at least as strict as the KMS.
import { describe, expect, it } from 'vitest';
import { METHOD_NAMES } from '../../../kms-process/api/methods.js';
import { authorizeCaller } from '../../../kms-process/policy/callerPolicy.js';
import { UI_FORBIDDEN, UI_METHODS, isUiMethod, uiParamsRefusal } from '../../../main/core/uiAllowlist.js';

describe('the ui allowlist', () => {
  it('partitions the protocol: every method is allowed or forbidden, none both', () => {
    expect([...UI_METHODS, ...UI_FORBIDDEN].sort()).toEqual([...METHOD_NAMES].sort());
    for (const m of UI_FORBIDDEN) expect(isUiMethod(m)).toBe(false);
  });

  it('is no wider than what the KMS admits for ui', () => {
    for (const m of UI_METHODS) expect(() => authorizeCaller('ui', m), m).not.toThrow();
  });

  it('secrets and key material never come from the renderer', () => {
    for (const m of ['kms.init', 'kms.unlock', 'kms.changeSealers', 'tokens.login', 'keys.import', 'crypto.wrapKey', 'crypto.unwrapKey', 'kms.backup', 'kms.restore']) {
      expect(isUiMethod(m), m).toBe(false);
    }
    expect(uiParamsRefusal('keys.export', { id: 'x', format: 'jwk', private: true })).toBeDefined();
    expect(uiParamsRefusal('keys.export', { id: 'x', format: 'pkcs8' })).toBeDefined();
    expect(uiParamsRefusal('keys.export', { id: 'x', format: 'mnemonic' })).toBeDefined();
    expect(uiParamsRefusal('keys.export', { id: 'x', format: 'raw', wrapWith: 'y' })).toBeDefined();
    expect(uiParamsRefusal('keys.export', { id: 'x', format: 'jwk' })).toBeUndefined();
    expect(uiParamsRefusal('keys.generate', { algorithm: 'hd-seed', bip39Passphrase: '' })).toBeDefined();
    expect(uiParamsRefusal('crypto.agree', { id: 'x', peerPublicKey: 'A', raw: true })).toBeDefined();
    expect(uiParamsRefusal('crypto.decapsulate', { id: 'x', ciphertext: 'A', raw: true })).toBeDefined();
  });
});
