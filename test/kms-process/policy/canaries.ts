// Canary keys for the hostile-renderer model test: keys whose secrets the test knows (imported by `app`, or made on
// the SoftHSM2 token by the test itself), and a scanner that looks for any of those secrets in an answer, in every
// encoding a leak could take: raw bytes inside any base64url field (a plaintext, an export, a shared secret), hex,
// base64, base64url, JWK `d`, RSA primes, the mnemonic's words, the BIP39 seed and BIP32 children.
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { HDKey } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToSeedSync } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { mlKem768Spec } from '../../../kms-process/algorithms/mlKem.js';
import type { Caller, KeyInfo } from '../../../kms-process/api/index.js';
import type { ChannelClient } from '../../../kms-process/client/channelClient.js';

export interface Canary {
  name: string;
  id: string;
  /** The policy flags it was made with (restored after every run). */
  policy: Record<string, unknown>;
}

/** HD paths the model derives at: their children's private keys are canaries too. */
export const DERIVE_PATHS = ["m/44'/60'/0'/0/0", "m/0'", 'm/1/2', "m/84'/0'/0'/0/7"];

const b64u = (b: Uint8Array) => Buffer.from(b).toString('base64url');

export class LeakScanner {
  private readonly needles: Array<{ name: string; bytes: Buffer }> = [];
  private readonly texts: Array<{ name: string; text: string }> = [];

  addSecret(name: string, secret: Uint8Array): void {
    const b = Buffer.from(secret);
    if (b.length < 16) throw new Error(`canary ${name} is too short to find reliably`);
    // The whole secret and its two halves (a partial leak counts), as bytes and as text in every usual encoding.
    for (const part of [b, b.subarray(0, 16), b.subarray(b.length - 16)]) {
      this.needles.push({ name, bytes: Buffer.from(part) });
      this.texts.push({ name, text: part.toString('hex') }, { name, text: part.toString('hex').toUpperCase() });
    }
    for (const text of [b.toString('base64'), b.toString('base64').replace(/=+$/, ''), b.toString('base64url')]) this.texts.push({ name, text });
  }

  /** Any four consecutive words of a mnemonic, in order. */
  addWords(name: string, mnemonic: string): void {
    const words = mnemonic.split(' ');
    for (let i = 0; i + 4 <= words.length; i++) this.texts.push({ name, text: words.slice(i, i + 4).join(' ') });
  }

  /** The first canary found in `value` (an answer to the renderer), or undefined. */
  find(value: unknown): string | undefined {
    const inText = (text: string) => this.texts.find((t) => text.includes(t.text))?.name;
    const found = inText(JSON.stringify(value) ?? '');
    if (found) return `${found} (as text)`;
    for (const s of strings(value)) {
      if (s.length < 16 || !/^[A-Za-z0-9_-]+$/.test(s)) continue;
      const bytes = Buffer.from(s, 'base64url');
      const raw = this.findInBytes(bytes);
      if (raw) return `${raw} (inside a base64url field)`;
      const decodedText = inText(bytes.toString('latin1'));
      if (decodedText) return `${decodedText} (as text inside a base64url field)`;
    }
    return undefined;
  }

  findInBytes(bytes: Buffer): string | undefined {
    return this.needles.find((n) => bytes.includes(n.bytes))?.name;
  }
}

function* strings(value: unknown): Generator<string> {
  if (typeof value === 'string') yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value !== null && typeof value === 'object') for (const v of Object.values(value)) yield* strings(v);
}

type Call = (method: string, params: Record<string, unknown>, caller?: Caller) => Promise<unknown>;

/** Import the software canaries as `app`; every secret goes into `scanner`. */
export async function importCanaries(client: ChannelClient, scanner: LeakScanner): Promise<Canary[]> {
  const call: Call = (m, p, caller = 'app') => client.callUnchecked(m, p, { caller });
  const out: Canary[] = [];
  const add = async (name: string, params: Record<string, unknown>, policy: Record<string, unknown>) => {
    const info = (await call('keys.import', { ...params, ...policy, label: `canary ${name}` })) as KeyInfo;
    out.push({ name, id: info.id, policy });
  };
  const jwkOf = (type: 'ed25519' | 'x25519' | 'ec', curve?: string) => {
    const pair = type === 'ec' ? generateKeyPairSync('ec', { namedCurve: curve! }) : generateKeyPairSync(type as 'ed25519');
    return pair.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  };
  for (const [name, type, curve, algorithm, policy] of [
    ['ed25519', 'ed25519', undefined, 'ed25519', {}],
    ['ed25519 exportable', 'ed25519', undefined, 'ed25519', { exportable: true }],
    ['secp256k1 guarded', 'ec', 'secp256k1', 'secp256k1', { requiresApproval: true }],
    ['p256 raw agreement', 'ec', 'prime256v1', 'p256', { allowRawAgreement: true, exportable: true }],
    ['x25519 raw agreement', 'x25519', undefined, 'x25519', { allowRawAgreement: true }],
  ] as const) {
    const jwk = jwkOf(type, curve);
    scanner.addSecret(name, Buffer.from(jwk.d!, 'base64url'));
    await add(name, { format: 'jwk', data: jwk, algorithm }, policy);
  }
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const rsaJwk = rsa.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  for (const part of ['d', 'p', 'q', 'dp', 'dq', 'qi']) scanner.addSecret(`rsa-2048 ${part}`, Buffer.from(rsaJwk[part]!, 'base64url'));
  await add('rsa-2048', { format: 'pkcs8', algorithm: 'rsa-2048', data: b64u(rsa.privateKey.export({ format: 'der', type: 'pkcs8' })) }, {});
  for (const [name, algorithm, len, policy] of [
    ['aes-256 data', 'aes-256', 32, { exportable: true }],
    ['aes-256 kek', 'aes-256', 32, { purposes: ['wrap', 'unwrap'] }],
    ['hmac-sha256', 'hmac-sha256', 32, {}],
    ['chacha20', 'chacha20-poly1305', 32, { callers: ['ui', 'app'] }],
  ] as const) {
    const secret = randomBytes(len);
    scanner.addSecret(name, secret);
    await add(name, { format: 'raw', algorithm, data: b64u(secret) }, policy);
  }
  const entropy = randomBytes(16);
  const mnemonic = entropyToMnemonic(entropy, wordlist);
  const seed = mnemonicToSeedSync(mnemonic);
  scanner.addWords('hd-seed mnemonic', mnemonic);
  scanner.addSecret('hd-seed entropy', entropy);
  scanner.addSecret('hd-seed bip39 seed', seed);
  const master = HDKey.fromMasterSeed(seed);
  scanner.addSecret('hd-seed master key', master.privateKey!);
  for (const path of DERIVE_PATHS) scanner.addSecret(`hd-seed child ${path}`, master.derive(path).privateKey!);
  await add('hd-seed', { format: 'mnemonic', data: mnemonic }, { exportable: true });
  // ML-KEM: the 64-byte seed (d || z) the decapsulation key is expanded from, made by the algorithm file itself.
  const kem = mlKem768Spec.generate();
  scanner.addSecret('ml-kem-768 seed', kem.secret!);
  await add('ml-kem-768', { format: 'jwk', algorithm: 'ml-kem-768', data: mlKem768Spec.exportKey!('jwk', kem, true) }, { allowRawAgreement: true });
  return out;
}
