// Crashes: the KMS is SIGKILLed at random moments while 1,000 mixed writes run (generate, import, delete, rotate,
// update and kms.changeSealers, the latter under policies `all` and `any` with the keychain and a passphrase, on a
// real gnome-keyring that also mirrors the rollback counter), and sometimes while it unlocks. After every kill the
// keystore opens (never TAMPERED, CORRUPT or ROLLBACK) with the passphrase of the last acknowledged sealer change
// (or of the one in flight), and holds exactly the acknowledged operations; an operation in flight at the kill is
// there entirely or not at all. Every key is checked independently: signatures by node:crypto against the public
// key recorded when the key was acknowledged (or made here, for imports), ciphertexts of every version decrypt.
// OWKMS_CRASH_WRITES sets the number of writes, OWKMS_CRASH_SEED replays a run.
import { createPublicKey, generateKeyPairSync, randomBytes, verify as nodeVerify } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo, SealerEnrolment } from '../../kms-process/api/index.js';
import { KmsHost } from '../../kms-process/client/kmsHost.js';
import { b64u, removeDir, tempDir, unb64u } from '../helpers/kms.js';
import { startSecretService, type SecretServiceSession } from '../services/gnomeKeyring.js';
import { prng } from '../helpers/prng.mjs';

const WRITES = Number(process.env.OWKMS_CRASH_WRITES ?? 1000);
const SEED = Number(process.env.OWKMS_CRASH_SEED ?? Date.now() % 2 ** 31);
const random = prng(SEED);
const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;

interface ModelKey {
  id: string;
  algorithm: string;
  label: string;
  version: number;
  jwk?: unknown;
  ciphertexts: Array<{ version: number; plaintext: string; ciphertext: string; iv?: string; tag?: string }>;
}

type Op =
  | { kind: 'generate'; label: string; algorithm: string; jwk?: undefined }
  | { kind: 'import'; label: string; algorithm: 'ed25519'; jwk: object; privateJwk: object }
  | { kind: 'delete'; id: string }
  | { kind: 'rotate'; id: string }
  | { kind: 'update'; id: string; label: string }
  | { kind: 'changeSealers'; passphrase: string };

let session: SecretServiceSession;
const dir = tempDir('owkms-crash-mixed-');
const keys = new Map<string, ModelKey>();
let passphrase = 'crash test passphrase 0';
let inFlight: Op | undefined;
const counts: Record<string, number> = {};
const stats = { kills: 0, killsInWrite: 0, killsInUnlock: 0, landedInFlight: 0, droppedInFlight: 0 };

function env(): Record<string, string> {
  return Object.fromEntries(Object.entries(session.env).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

async function listAll(host: KmsHost): Promise<KeyInfo[]> {
  const out: KeyInfo[] = [];
  let cursor: string | undefined;
  do {
    const page = await host.client.call('keys.list', { limit: 1000, ...(cursor ? { cursor } : {}) });
    out.push(...page.keys);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function signatureValid(k: ModelKey, data: string, signature: string): boolean {
  const key = createPublicKey({ key: k.jwk as never, format: 'jwk' });
  return k.algorithm === 'ed25519' ? nodeVerify(null, unb64u(data), key, unb64u(signature)) : nodeVerify('sha256', unb64u(data), { key, dsaEncoding: 'ieee-p1363' }, unb64u(signature));
}

/** Unlock with the passphrase of the last acknowledged change, or of the one in flight when the KMS died. */
async function unlock(host: KmsHost): Promise<void> {
  const candidates = inFlight?.kind === 'changeSealers' ? [inFlight.passphrase, passphrase] : [passphrase];
  for (const candidate of candidates) {
    for (;;) {
      try {
        await host.client.call('kms.unlock', { passphrase: candidate });
        passphrase = candidate;
        return;
      } catch (e) {
        const err = e as { kind: string; data?: { retryAfterMs?: number } };
        if (err.kind === 'LOCKED_OUT') await new Promise((r) => setTimeout(r, (err.data?.retryAfterMs ?? 1000) + 50));
        else if (err.kind === 'WRONG_SECRET') break;
        else throw e;
      }
    }
  }
  throw new Error(`no passphrase opens the keystore (seed ${SEED})`);
}

/** The keystore holds exactly the model, give or take the one operation in flight at the kill; then clear it. */
async function reconcile(host: KmsHost): Promise<void> {
  const listed = new Map((await listAll(host)).map((k) => [k.id, k]));
  const op = inFlight;
  let landed: boolean | undefined;
  if (op?.kind === 'generate' || op?.kind === 'import') {
    const made = [...listed.values()].find((k) => k.label === op.label);
    landed = made !== undefined;
    if (made) keys.set(made.id, { id: made.id, algorithm: made.algorithm, label: made.label, version: made.version ?? 1, jwk: op.jwk ?? made.publicKey?.jwk, ciphertexts: [] });
  } else if (op?.kind === 'delete') {
    landed = !listed.has(op.id);
    if (landed) keys.delete(op.id);
  } else if (op?.kind === 'update') {
    landed = listed.get(op.id)?.label === op.label;
    if (landed) keys.get(op.id)!.label = op.label;
  } else if (op?.kind === 'rotate') {
    landed = listed.get(op.id)?.version === keys.get(op.id)!.version + 1;
    if (landed) keys.get(op.id)!.version++;
  } else if (op?.kind === 'changeSealers') landed = passphrase === op.passphrase;
  if (landed === true) stats.landedInFlight++;
  if (landed === false) stats.droppedInFlight++;
  inFlight = undefined;
  expect([...listed.keys()].sort(), `keys after a kill (seed ${SEED})`).toEqual([...keys.keys()].sort());
  for (const k of keys.values()) {
    const got = listed.get(k.id)!;
    expect({ label: got.label, algorithm: got.algorithm }, `key ${k.id} (seed ${SEED})`).toEqual({ label: k.label, algorithm: k.algorithm });
    if (k.jwk) expect(got.publicKey?.jwk).toEqual(k.jwk);
    if (k.algorithm === 'aes-256') expect(got.version).toBe(k.version);
  }
}

/** A sample of keys used and checked independently. */
async function useSample(host: KmsHost, n: number): Promise<void> {
  const sample = [...keys.values()].sort(() => random() - 0.5).slice(0, n);
  for (const k of sample) {
    if (k.jwk) {
      const data = b64u(randomBytes(24));
      const { signature } = await host.client.call('crypto.sign', { id: k.id, data });
      expect(signatureValid(k, data, signature), `signature of ${k.id} (seed ${SEED})`).toBe(true);
    }
    for (const c of k.ciphertexts) {
      const d = await host.client.call('crypto.decrypt', { id: k.id, data: c.ciphertext, iv: c.iv, tag: c.tag, version: c.version });
      expect(d.plaintext, `version ${c.version} of ${k.id} (seed ${SEED})`).toBe(c.plaintext);
    }
  }
}

function nextOp(n: number): Op {
  const existing = [...keys.values()];
  const aes = existing.filter((k) => k.algorithm === 'aes-256');
  const r = random();
  if (r < 0.1) {
    return { kind: 'changeSealers', passphrase: `crash test passphrase ${n}` };
  }
  if (r < 0.22 && existing.length > 4) return { kind: 'delete', id: pick(existing).id };
  if (r < 0.34 && aes.length > 0) return { kind: 'rotate', id: pick(aes).id };
  if (r < 0.52 && existing.length > 0) return { kind: 'update', id: pick(existing).id, label: `u${n}` };
  if (r < 0.64) {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    return { kind: 'import', label: `i${n}`, algorithm: 'ed25519', jwk: publicKey.export({ format: 'jwk' }), privateJwk: privateKey.export({ format: 'jwk' }) };
  }
  return { kind: 'generate', label: `g${n}`, algorithm: pick(['ed25519', 'p256', 'aes-256']) };
}

async function run(host: KmsHost, op: Op): Promise<void> {
  const c = host.client;
  if (op.kind === 'generate') {
    const k = await c.call('keys.generate', { algorithm: op.algorithm as never, label: op.label });
    keys.set(k.id, { id: k.id, algorithm: k.algorithm, label: op.label, version: 1, ...(k.publicKey?.jwk ? { jwk: k.publicKey.jwk } : {}), ciphertexts: [] });
  } else if (op.kind === 'import') {
    const k = await c.call('keys.import', { format: 'jwk', data: op.privateJwk as never, label: op.label });
    keys.set(k.id, { id: k.id, algorithm: 'ed25519', label: op.label, version: 1, jwk: op.jwk, ciphertexts: [] });
  } else if (op.kind === 'delete') {
    await c.call('keys.delete', { id: op.id });
    keys.delete(op.id);
  } else if (op.kind === 'update') {
    await c.call('keys.update', { id: op.id, label: op.label });
    keys.get(op.id)!.label = op.label;
  } else if (op.kind === 'rotate') {
    await c.call('keys.rotate', { id: op.id });
    keys.get(op.id)!.version++;
  } else {
    const policy = pick(['all', 'all', 'any'] as const);
    const sealers: SealerEnrolment[] = [{ kind: 'passphrase', passphrase: op.passphrase }, { kind: 'keychain' }];
    await c.call('kms.changeSealers', { sealers, unlockPolicy: policy, passphrase });
    passphrase = op.passphrase;
  }
  counts[op.kind] = (counts[op.kind] ?? 0) + 1;
}

beforeAll(async () => {
  session = await startSecretService();
});

afterAll(async () => {
  await session?.stop();
  removeDir(dir);
});

describe('SIGKILL during mixed writes', () => {
  it(`keeps exactly the acknowledged operations through ${WRITES} writes (seed ${SEED})`, async () => {
    let issued = 0;
    const unexpected: string[] = [];
    for (let round = 0; issued < WRITES; round++) {
      const host = await KmsHost.start({ storeDir: dir, callers: ['test'], stderr: 'pipe', env: env() });
      let stderr = '';
      host.child!.stderr!.on('data', (b: Buffer) => (stderr += b.toString()));
      const exited = new Promise<void>((r) => host.onExit(() => r()));
      let killed = false;
      const kill = () => {
        if (!killed) host.child!.kill('SIGKILL');
        killed = true;
      };
      const duringUnlock = round > 0 && random() < 1 / 8;
      if (duringUnlock) setTimeout(kill, Math.floor(random() * 400));
      try {
        if ((await host.client.call('kms.status', { probe: false })).state === 'uninitialized') {
          await host.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase }, { kind: 'keychain' }], unlockPolicy: 'all' });
        } else await unlock(host);
        if (!killed) {
          await reconcile(host);
          await useSample(host, 6);
        }
      } catch (e) {
        if (!killed) throw e;
      }
      if (killed) stats.killsInUnlock++;
      else setTimeout(kill, Math.floor(random() * 2500));
      while (!killed && issued < WRITES) {
        const op = nextOp(issued);
        inFlight = op;
        issued++;
        try {
          await run(host, op);
          inFlight = undefined;
          // A ciphertext of the new current version (not a write), to decrypt after later kills.
          if ((op.kind === 'rotate' || (op.kind === 'generate' && op.algorithm === 'aes-256')) && !killed) {
            const label = op.kind === 'generate' ? op.label : undefined;
            const k = op.kind === 'rotate' ? keys.get(op.id)! : [...keys.values()].find((x) => x.label === label)!;
            const plaintext = b64u(randomBytes(16));
            const ct = await host.client.call('crypto.encrypt', { id: k.id, data: plaintext });
            k.ciphertexts.push({ version: ct.version ?? k.version, plaintext, ciphertext: ct.ciphertext, ...(ct.iv ? { iv: ct.iv } : {}), ...(ct.tag ? { tag: ct.tag } : {}) });
          }
        } catch (e) {
          const kind = (e as { kind?: string }).kind;
          if (!killed || kind !== 'UNAVAILABLE') unexpected.push(`${op.kind}: ${kind ?? String(e)} (killed: ${killed})`);
          if (killed) stats.killsInWrite++;
        }
      }
      kill();
      stats.kills++;
      await exited;
      expect(stderr, `stderr of round ${round} (seed ${SEED})`).not.toMatch(/internal error|fatal/);
    }
    expect(unexpected, `calls that failed other than by the kill (seed ${SEED})`).toEqual([]);

    const host = await KmsHost.start({ storeDir: dir, callers: ['test'], stderr: 'pipe', env: env() });
    try {
      await unlock(host);
      await reconcile(host);
      await useSample(host, keys.size);
      expect((await host.client.call('audit.verify', {})).ok).toBe(true);
      const status = await host.client.call('kms.status', { probe: false });
      expect(status.rollbackGuard?.kind).toBe('keychain');
    } finally {
      await host.stop();
    }
    console.log(`crash test (seed ${SEED}): ${WRITES} writes ${JSON.stringify(counts)}; ${stats.kills} kills, ${stats.killsInWrite} during a write, ${stats.killsInUnlock} during unlock; in-flight writes found done ${stats.landedInFlight}, not done ${stats.droppedInFlight}; ${keys.size} keys at the end`);
    expect(stats.killsInWrite).toBeGreaterThan(WRITES / 100);
    expect(counts.changeSealers ?? 0).toBeGreaterThan(WRITES / 50);
  }, 900_000);
});
