// pkcs11.* : the PIN of the wallet's PKCS#11 module. An Argon2id hash in the keystore's metadata (covered by the
// metadata MAC, checked again at each login), and a failure counter in the attempts table like the unlock throttle:
// written before the check, so killing the KMS mid-check gives no free guess; PIN_LOCKED after PIN_MAX_RETRIES.
import argon2 from 'argon2';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { KmsError } from '../api/index.js';
import type { Keystore } from '../keystore/keystore.js';
import type { KmsContext } from '../kmsContext.js';
import { DEFAULT_ARGON2 } from '../sealing/passphraseSealer.js';
import type { HandlerTable } from './handler.js';

/** Wrong PINs before the module's PIN locks (a smart card's user PIN usually allows 3 to 10); set-pin clears it. */
export const PIN_MAX_RETRIES = 5;
const META_KEY = 'pkcs11_pin';
const SUBJECT = 'pkcs11-module-pin';

interface PinRecord {
  alg: 'argon2id';
  m: number;
  t: number;
  p: number;
  salt: string;
  hash: string;
}

async function hashPin(pin: string, rec: Omit<PinRecord, 'hash'>): Promise<Buffer> {
  const pass = Buffer.from(pin.normalize('NFC'), 'utf8');
  try {
    return await argon2.hash(pass, {
      type: argon2.argon2id,
      raw: true,
      salt: Buffer.from(rec.salt, 'base64url'),
      memoryCost: rec.m,
      timeCost: rec.t,
      parallelism: rec.p,
      hashLength: 32,
    });
  } finally {
    pass.fill(0);
  }
}

function readRecord(ks: Keystore): PinRecord | undefined {
  const text = ks.authenticatedMeta(META_KEY);
  if (text === undefined) return undefined;
  try {
    const r = JSON.parse(text) as PinRecord;
    if (r.alg === 'argon2id' && [r.m, r.t, r.p].every(Number.isSafeInteger) && typeof r.salt === 'string' && typeof r.hash === 'string') return r;
  } catch {
    // fall through
  }
  throw new KmsError('CORRUPT', 'the PKCS#11 PIN record is unreadable');
}

function status(ks: Keystore, set: boolean) {
  const failures = Math.min(ks.throttle.read(SUBJECT).failures, PIN_MAX_RETRIES);
  return { set, failures, retriesLeft: PIN_MAX_RETRIES - failures, maxRetries: PIN_MAX_RETRIES, locked: failures >= PIN_MAX_RETRIES };
}

export function pkcs11PinHandlers(ctx: KmsContext): HandlerTable {
  return {
    'pkcs11.setPin': async (p, call) => {
      const ks = ctx.keystore;
      ks.assertUnlocked();
      const base = { alg: 'argon2id' as const, ...DEFAULT_ARGON2, salt: randomBytes(16).toString('base64url') };
      const hash = await hashPin(p.pin, base);
      const rec: PinRecord = { ...base, hash: hash.toString('base64url') };
      ctx.write(() => {
        ks.meta.set(META_KEY, JSON.stringify(rec));
        ks.throttle.succeeded(SUBJECT);
      }, { caller: call.caller, method: call.method, outcome: 'ok' });
      call.audited = true;
      return status(ks, true);
    },

    'pkcs11.pinStatus': async () => {
      const ks = ctx.keystore;
      ks.assertUnlocked();
      return status(ks, readRecord(ks) !== undefined);
    },

    'pkcs11.login': async (p) => {
      const ks = ctx.keystore;
      ks.assertUnlocked();
      const rec = readRecord(ks);
      if (!rec) throw new KmsError('NOT_FOUND', 'no PKCS#11 PIN is set (owkms pkcs11 set-pin)');
      const failures = ks.throttle.read(SUBJECT).failures;
      if (failures >= PIN_MAX_RETRIES) throw new KmsError('PIN_LOCKED', 'the PKCS#11 PIN is locked; set a new one with owkms pkcs11 set-pin');
      ks.throttle.write(SUBJECT, { failures: failures + 1, lastFailureAt: Date.now() });
      const expected = Buffer.from(rec.hash, 'base64url');
      const actual = await hashPin(p.pin, rec);
      if (expected.length === actual.length && timingSafeEqual(expected, actual)) {
        ks.throttle.succeeded(SUBJECT);
        return { ok: true as const };
      }
      throw new KmsError('WRONG_SECRET', 'wrong PKCS#11 PIN', { data: { attemptsLeft: PIN_MAX_RETRIES - failures - 1 } });
    },
  };
}
