// What the locked screen says unlocking asks for, from kms.status's unlockNeeds: never a guess while the key service
// has not answered (it said "TPM or keychain" after a restart), and each combination its own sentence.
import { describe, expect, it } from 'vitest';
import { unlockHow } from '../../renderer/screens/UnlockScreen.js';

describe('unlock wording', () => {
  it('names what is asked for, and guesses nothing before the key service answers', () => {
    expect(unlockHow(undefined)).toBe('Unlock it in the trusted window that opens.');
    expect(unlockHow([])).toMatch(/TPM or OS keychain: nothing to type/);
    expect(unlockHow(['passphrase'])).toMatch(/your passphrase in the trusted window/);
    expect(unlockHow(['pin'])).toMatch(/security token, then enter its PIN/);
    expect(unlockHow(['passphrase', 'pin'])).toMatch(/passphrase and your token’s PIN in the trusted windows/);
    expect(unlockHow(['pin', 'passphrase'])).toBe(unlockHow(['passphrase', 'pin']));
    const all = [undefined, [], ['passphrase'], ['pin'], ['passphrase', 'pin']].map((n) => unlockHow(n as string[] | undefined));
    expect(new Set(all).size).toBe(all.length);
  });
});
