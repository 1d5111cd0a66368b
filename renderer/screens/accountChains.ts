// The chains the Accounts screen derives for, with their standard paths (BIP44 / BIP84 / BIP86 / Solana's
// SLIP-10 path) and the KeyInfo field that holds the address the KMS computed.
import type { KeyInfo } from '../../kms-process/api/common.js';

export interface Chain {
  id: 'ethereum' | 'bitcoin-p2wpkh' | 'bitcoin-p2tr' | 'solana';
  name: string;
  /** The account label: short, a person's word for it. */
  short: string;
  standard: string;
  child: 'secp256k1' | 'ed25519';
  path: (index: number) => string;
  /** The account index of a derived key on this chain, or undefined when its path is another chain's. */
  indexOf: (path: string) => number | undefined;
  address: (key: KeyInfo) => string | undefined;
}

/** Paths as the KMS stores them may write hardened steps as ' or h. */
const matcher = (re: RegExp) => (path: string) => {
  const m = re.exec(path.replace(/h/g, "'"));
  return m ? Number(m[1]) : undefined;
};

export const CHAINS: readonly Chain[] = [
  { id: 'ethereum', name: 'Ethereum', short: 'Ethereum', standard: 'BIP44', child: 'secp256k1', path: (i) => `m/44'/60'/0'/0/${i}`, indexOf: matcher(/^m\/44'\/60'\/0'\/0\/(\d+)$/), address: (k) => k.extra?.ethereumAddress },
  { id: 'bitcoin-p2wpkh', name: 'Bitcoin (native SegWit, P2WPKH)', short: 'Bitcoin', standard: 'BIP84', child: 'secp256k1', path: (i) => `m/84'/0'/0'/0/${i}`, indexOf: matcher(/^m\/84'\/0'\/0'\/0\/(\d+)$/), address: (k) => k.extra?.bitcoinP2wpkh },
  { id: 'bitcoin-p2tr', name: 'Bitcoin (Taproot, P2TR)', short: 'Bitcoin Taproot', standard: 'BIP86', child: 'secp256k1', path: (i) => `m/86'/0'/0'/0/${i}`, indexOf: matcher(/^m\/86'\/0'\/0'\/0\/(\d+)$/), address: (k) => k.extra?.bitcoinP2tr },
  { id: 'solana', name: 'Solana', short: 'Solana', standard: 'SLIP-10', child: 'ed25519', path: (i) => `m/44'/501'/${i}'/0'`, indexOf: matcher(/^m\/44'\/501'\/(\d+)'\/0'$/), address: (k) => k.extra?.solanaAddress },
];

export interface Account {
  chain: Chain;
  index: number;
  key: KeyInfo;
  address: string;
}

/** The accounts of one seed, by chain, in index order. */
export function accountsOf(seedId: string, keys: readonly KeyInfo[]): Map<Chain['id'], Account[]> {
  const out = new Map<Chain['id'], Account[]>(CHAINS.map((c) => [c.id, []]));
  for (const key of keys) {
    if (key.derivation?.parentId !== seedId) continue;
    for (const chain of CHAINS) {
      const index = chain.indexOf(key.derivation.path);
      const address = chain.address(key);
      if (index !== undefined && address) out.get(chain.id)!.push({ chain, index, key, address });
    }
  }
  for (const list of out.values()) list.sort((a, b) => a.index - b.index);
  return out;
}

/** The next account index on a chain: one past the highest (accounts are never renumbered). */
export function nextIndex(accounts: readonly Account[]): number {
  return accounts.reduce((m, a) => Math.max(m, a.index + 1), 0);
}
