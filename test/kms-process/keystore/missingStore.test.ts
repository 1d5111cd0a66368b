// No side effect from a mistake (issue 9): a KMS on a store folder that holds no keystore creates nothing, whatever it
// is asked, until kms.init; a refused init creates nothing either. Checked on a real KMS child process, with random
// sequences of every other method (fast-check), with SoftHSM2 for a token login, and on the Keystore class itself.
import fc from 'fast-check';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { METHODS, type MethodName } from '../../../kms-process/api/index.js';
import { Keystore } from '../../../kms-process/keystore/keystore.js';
import { createKeystore } from '../../../kms-process/keystore/keystoreCreation.js';
import { kindOf, PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';
import { startSoftHsm, type SoftHsm } from '../../services/softhsm.js';

const ID = 'AAAAAAAAAAAAAAAAAAAAAA';
/** Params that pass each method's schema where they can, so the request reaches the keystore. */
const PARAMS: Partial<Record<MethodName, unknown[]>> = {
  'kms.status': [{}, { probe: false }],
  'kms.unlock': [{ passphrase: PASSPHRASE }, {}],
  'kms.changeSealers': [{ sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }], passphrase: PASSPHRASE }],
  'keys.generate': [{ algorithm: 'ed25519' }, { algorithm: 'aes-256', label: 'x' }],
  'keys.import': [{ format: 'raw', data: 'AAAA', algorithm: 'aes-128' }],
  'keys.list': [{}, { limit: 5 }],
  'keys.get': [{ id: ID }],
  'keys.delete': [{ id: ID }],
  'keys.export': [{ id: ID, format: 'jwk' }],
  'crypto.sign': [{ id: ID, data: 'aGk' }],
  'crypto.random': [{ length: 8 }],
  'audit.list': [{}],
  'audit.verify': [{}],
  'tokens.list': [{}],
  'kms.lock': [{}],
};
const OTHER_METHODS = (Object.keys(METHODS) as MethodName[]).filter((m) => m !== 'kms.init');

let kms: TestKms;
let parent: string;
let store: string;
beforeAll(async () => {
  parent = tempDir('owkms-missing-');
  store = join(parent, 'typo', 'keystore'); // neither folder exists
  kms = await startKms({ dir: store });
});
afterAll(async () => {
  await kms?.stop();
  removeDir(parent);
});

describe('a KMS on a store folder with no keystore', () => {
  it('reports uninitialized, answers NOT_INITIALIZED (saying nothing was made), serves what needs no keystore', async () => {
    expect((await kms.client.call('kms.status', {})).state).toBe('uninitialized');
    const err = await kms.client.call('keys.list', {}).catch((e: unknown) => e as { kind: string; message: string });
    expect(err).toMatchObject({ kind: 'NOT_INITIALIZED', message: expect.stringMatching(/nothing was created.*owkms init/) });
    expect(await kindOf(kms.client.call('kms.unlock', { passphrase: PASSPHRASE }))).toBe('NOT_INITIALIZED');
    expect((await kms.client.call('crypto.random', { length: 4 })).bytes).toHaveLength(6);
    expect((await kms.client.call('kms.lock', {})).state).toBe('locked');
    expect(existsSync(join(parent, 'typo'))).toBe(false);
  });

  it('creates nothing for any sequence of requests other than kms.init (fast-check)', async () => {
    const call = fc.record({
      method: fc.constantFrom(...OTHER_METHODS),
      pick: fc.nat(),
      junk: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 }), { nil: undefined }),
    });
    await fc.assert(
      fc.asyncProperty(fc.array(call, { minLength: 1, maxLength: 8 }), async (calls) => {
        for (const c of calls) {
          const options = PARAMS[c.method];
          const params = c.junk ?? (options ? options[c.pick % options.length] : {});
          await kms.client.callUnchecked(c.method, params).catch(() => undefined);
        }
        expect(existsSync(join(parent, 'typo'))).toBe(false);
      }),
      { numRuns: 40 },
    );
  });

  it('a refused kms.init (short passphrase, two passphrase sealers, unknown TPM) creates nothing', async () => {
    const refused = [
      { sealers: [{ kind: 'passphrase', passphrase: 'short' }] },
      { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }, { kind: 'passphrase', passphrase: PASSPHRASE }] },
      { sealers: [{ kind: 'tpm', tcti: 'swtpm:host=127.0.0.1,port=1' }] },
      { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }], unlockPolicy: 'all' },
    ];
    for (const params of refused) {
      const kind = await kindOf(kms.client.callUnchecked('kms.init', params));
      expect({ params, kind }).toEqual({ params, kind: expect.not.stringMatching(/^resolved$/) });
      expect(existsSync(join(parent, 'typo'))).toBe(false);
    }
  });

  it('kms.init in a KMS whose parent made no folder is refused, naming why; nothing is made', async () => {
    const err = await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }).catch((e: unknown) => e as { kind: string; message: string });
    expect(err).toMatchObject({ kind: 'UNAVAILABLE', message: expect.stringMatching(/parent makes the folder/) });
    expect(existsSync(join(parent, 'typo'))).toBe(false);
  });

  it('the parent makes the folders (owner only) for kms.init, the KMS the keystore; a KMS started before on that folder sees it', async () => {
    const fresh = join(parent, 'made', 'keystore');
    const k = await startKms({ dir: fresh, createStore: true });
    const before = await startKms({ dir: fresh });
    try {
      expect(statSync(fresh).mode & 0o777).toBe(0o700);
      expect((await before.client.call('kms.status', { probe: false })).state).toBe('uninitialized');
      await k.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
      expect(readdirSync(fresh)).toContain('keystore.sqlite');
      await k.stop();
      // `before` started while there was no keystore in its folder; it opens the one made since.
      expect((await before.client.call('kms.status', { probe: false })).state).toBe('locked');
    } finally {
      await k.stop();
      await before.stop();
    }
  });
});

describe('a token PIN tried on a store with no keystore', () => {
  let hsm: SoftHsm;
  beforeAll(async () => {
    hsm = await startSoftHsm(['missing-store']);
  });
  afterAll(async () => hsm?.cleanup());

  it('is counted in memory and leaves no keystore behind', async () => {
    const dir = join(tempDir('owkms-missing-pin-'), 'nothing-here');
    const k = await startKms({ dir, env: hsm.env });
    try {
      const serial = hsm.tokens[0]!.serial;
      expect(await kindOf(k.client.call('tokens.login', { token: serial, pin: 'not-the-pin' }))).toBe('WRONG_SECRET');
      const listed = (await k.client.call('tokens.list', {})).tokens.find((t) => t.serial === serial)!;
      expect(listed.pin.kmsFailures).toBe(1);
      expect((await k.client.call('tokens.login', { token: serial, pin: hsm.tokens[0]!.pin })).loggedIn).toBe(true);
      expect(existsSync(dir)).toBe(false);
    } finally {
      await k.stop();
      removeDir(join(dir, '..'));
    }
  });
});

describe('createKeystore', () => {
  it('makes the missing folders, and its discard removes exactly what it made', () => {
    const root = tempDir('owkms-create-');
    try {
      mkdirSync(join(root, 'kept'));
      const made = createKeystore(join(root, 'kept', 'a', 'b'), 'test');
      expect(readdirSync(join(root, 'kept', 'a', 'b'))).toEqual(expect.arrayContaining(['keystore.sqlite', 'keystore.lock']));
      made.discard();
      expect(readdirSync(join(root, 'kept'))).toEqual([]);

      const existing = join(root, 'kept');
      createKeystore(existing, 'test').discard();
      expect(readdirSync(existing)).toEqual([]); // the folder was there before: it stays
      expect(Keystore.exists(existing)).toBe(false);
    } finally {
      removeDir(root);
    }
  });
});
