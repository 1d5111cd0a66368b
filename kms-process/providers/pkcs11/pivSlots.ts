// YubiKey PIV slots as ykcs11 exposes them: CKA_ID 1..4 are slots 9a/9c/9d/9e, 5..24 the retired slots 82..95,
// 25 the attestation slot f9 (Yubico YKCS11 documentation, "Key mapping").
import { KmsError } from '../../api/index.js';

export const PIV_SLOTS: Record<string, { ckaId: number; purpose: string }> = {
  '9a': { ckaId: 1, purpose: 'PIV Authentication' },
  '9c': { ckaId: 2, purpose: 'Digital Signature (PIN checked for every signature)' },
  '9d': { ckaId: 3, purpose: 'Key Management' },
  '9e': { ckaId: 4, purpose: 'Card Authentication (no PIN)' },
  f9: { ckaId: 25, purpose: 'Attestation' },
};
for (let i = 0; i < 20; i++) PIV_SLOTS[(0x82 + i).toString(16)] = { ckaId: 5 + i, purpose: `Retired Key Management ${i + 1}` };

/** `9a` -> CKA_ID hex `01`; a hex CKA_ID passes through unchanged. */
export function pivCkaId(locator: string): string {
  const slot = PIV_SLOTS[locator.toLowerCase()];
  if (slot) return slot.ckaId.toString(16).padStart(2, '0');
  if (/^[0-9a-f]{2}$/i.test(locator)) return locator.toLowerCase();
  throw new KmsError('INVALID_REQUEST', `'${locator}' is not a PIV slot (9a, 9c, 9d, 9e, 82..95, f9)`);
}

/** CKA_ID hex `02` -> `9c`, for listings and messages. */
export function pivSlotName(ckaIdHex: string): string | undefined {
  const n = Number.parseInt(ckaIdHex, 16);
  return Object.entries(PIV_SLOTS).find(([, v]) => v.ckaId === n)?.[0];
}
