// owkms wallet export|import: Universal Wallet 2020. Export prints the locked EncryptedWallet (only ciphertext leaves
// the KMS); import reads a locked wallet on stdin (ours, or one @transmute/universal-wallet made). The wallet's
// password comes from $OWKMS_WALLET_PASSWORD or a prompt, never an argument.
import { KmsError } from '../kms-process/api/index.js';
import type { Command } from './commands.js';
import { readSecret } from './secrets.js';

const PASSWORD = { env: 'OWKMS_WALLET_PASSWORD', what: 'Wallet password' };

export const WALLET_COMMANDS: readonly Command[] = [
  {
    name: 'wallet export',
    usage: 'wallet export (prints {wallet, exported, referenced}: a locked EncryptedWallet; password from $OWKMS_WALLET_PASSWORD)',
    method: 'wallet.export',
    options: [],
    args: 0,
    unlock: true,
    params: async () => ({ password: await readSecret(PASSWORD, true) }),
  },
  {
    name: 'wallet import',
    usage: 'wallet import [--exportable] (a locked Universal Wallet on stdin; password from $OWKMS_WALLET_PASSWORD)',
    method: 'wallet.import',
    options: ['exportable'],
    args: 0,
    unlock: true,
    params: async (inv) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse((await inv.stdin()).toString('utf8'));
      } catch {
        throw new KmsError('INVALID_REQUEST', 'stdin is not a JSON wallet');
      }
      // Accept what `wallet export` printed ({wallet, ...}) as well as a bare wallet.
      const wallet = (parsed as { wallet?: unknown } | null)?.wallet ?? parsed;
      return { wallet, password: await readSecret(PASSWORD), ...(inv.options.exportable === true ? { exportable: true } : {}) };
    },
  },
];
