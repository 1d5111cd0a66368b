// hd-seed: a BIP39 mnemonic's seed from which secp256k1 (BIP32) and ed25519 (SLIP-10, hardened only) children are
// derived. secret = 64-byte BIP39 seed || BIP39 entropy (16-32 bytes, so the words can be backed up on request).
import { HDKey as Bip32Key } from '@scure/bip32';
import { entropyToMnemonic, mnemonicToEntropy, mnemonicToSeedSync, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { HDKey as Slip10Key } from 'micro-key-producer/slip10.js';
import { randomBytes } from 'node:crypto';
import type { AlgorithmSpec, DerivedKey, GenerateOptions, KeyMaterial } from './algorithm.js';
import { parseHdPath } from './hdPath.js';
import { invalid, loadStored, parseSecret, requireSecret, unsupported } from './specChecks.js';

const ID = 'hd-seed';
const SEED_BYTES = 64;
const ENTROPY_BYTES = [16, 20, 24, 28, 32];

export interface HdSeedKey {
  readonly seed: Uint8Array;
  readonly entropy: Uint8Array;
}

/** BIP32 node at `path` from a seed (16-64 bytes); exported for the BIP32 test vectors. */
export function bip32Node(seed: Uint8Array, path: string): Bip32Key {
  const { text } = parseHdPath(path);
  return parseSecret('BIP32 derivation', () => Bip32Key.fromMasterSeed(seed).derive(text));
}

/** SLIP-10 ed25519 node at `path` (hardened segments only); exported for the SLIP-10 test vectors. */
export function slip10Node(seed: Uint8Array, path: string): Slip10Key {
  const { text } = parseHdPath(path, { hardenedOnly: true });
  return parseSecret('SLIP-10 derivation', () => Slip10Key.fromMasterSeed(seed).derive(text));
}

function material(entropy: Uint8Array, passphrase: string | undefined): KeyMaterial {
  if (passphrase !== undefined && typeof passphrase !== 'string') throw invalid('BIP39 passphrase must be a string');
  const seed = mnemonicToSeedSync(entropyToMnemonic(entropy, wordlist), passphrase ?? '');
  const secret = new Uint8Array(SEED_BYTES + entropy.length);
  secret.set(seed);
  secret.set(entropy, SEED_BYTES);
  seed.fill(0);
  return { secret };
}

function split(secret: Uint8Array): HdSeedKey {
  if (!ENTROPY_BYTES.includes(secret.length - SEED_BYTES)) throw invalid('hd-seed material has the wrong length');
  return { seed: secret.subarray(0, SEED_BYTES), entropy: secret.subarray(SEED_BYTES) };
}

/** Words as typed: NFKD (BIP39), lower case, single spaces. */
function normalizeMnemonic(mnemonic: string): string {
  if (typeof mnemonic !== 'string' || mnemonic.length > 1024) throw invalid('mnemonic is malformed');
  return mnemonic.normalize('NFKD').trim().toLowerCase().split(/\s+/u).join(' ');
}

export const hdSeedSpec: AlgorithmSpec<HdSeedKey, never> = {
  id: ID,
  type: 'seed',
  operations: ['derive'],

  /** 24 words (256-bit entropy) unless 12 are asked for; an optional BIP39 passphrase goes into the seed. */
  generate(options?: GenerateOptions): KeyMaterial {
    const words = options?.words ?? 24;
    if (words !== 12 && words !== 24) throw invalid('an hd-seed mnemonic has 12 or 24 words');
    const entropy = new Uint8Array(randomBytes(words === 12 ? 16 : 32));
    try {
      return material(entropy, options?.bip39Passphrase);
    } finally {
      entropy.fill(0);
    }
  },

  fromMnemonic(mnemonic: string, passphrase?: string): KeyMaterial {
    const words = normalizeMnemonic(mnemonic);
    // No cause: the library's error could quote the words.
    if (!validateMnemonic(words, wordlist)) throw invalid('mnemonic is not a valid BIP39 English phrase (words or checksum)');
    const entropy = mnemonicToEntropy(words, wordlist);
    try {
      return material(entropy, passphrase);
    } finally {
      entropy.fill(0);
    }
  },

  exportMnemonic(m: KeyMaterial): string {
    return entropyToMnemonic(split(requireSecret(m, ID)).entropy, wordlist);
  },

  loadPrivate(m: KeyMaterial): HdSeedKey {
    const secret = requireSecret(m, ID);
    return loadStored(ID, () => split(secret));
  },

  importKey(): KeyMaterial {
    throw unsupported('an hd-seed is imported from its mnemonic (format mnemonic), not as key bytes');
  },

  exportKey(): never {
    throw unsupported('an hd-seed has no key export; its mnemonic leaves only through an approved backup export');
  },

  derive(key: HdSeedKey, path: string, child: DerivedKey['algorithm'] = 'secp256k1'): DerivedKey {
    if (child === 'ed25519') {
      const node = slip10Node(key.seed, path);
      const text = parseHdPath(path, { hardenedOnly: true }).text;
      return { algorithm: child, path: text, material: { secret: new Uint8Array(node.privateKey), publicRaw: node.publicKeyRaw } };
    }
    if (child !== 'secp256k1') throw unsupported(`hd-seed derives 'secp256k1' or 'ed25519' keys, not '${String(child)}'`);
    const node = bip32Node(key.seed, path);
    if (!node.privateKey || !node.publicKey) throw invalid('BIP32 derivation gave no private key');
    const text = parseHdPath(path).text;
    return { algorithm: child, path: text, material: { secret: new Uint8Array(node.privateKey), publicRaw: node.publicKey } };
  },
};
