// owkms wallet export|import: Universal Wallet 2020. Export prints the locked EncryptedWallet (only ciphertext leaves
// the KMS); import reads a locked wallet on stdin (ours, or one @transmute/universal-wallet made). The wallet's
// password comes from $OWKMS_WALLET_PASSWORD or a prompt, never an argument.
import { KmsError } from '../kms-process/api/errors.js';
import { flag, type Command } from './command.js';
import { readSecret } from './secrets.js';

const PASSWORD = { env: 'OWKMS_WALLET_PASSWORD', what: 'Wallet password' };
const PASSWORD_NOTE = 'The wallet\'s password comes from $OWKMS_WALLET_PASSWORD or a prompt, never an argument.';

export const WALLET_COMMANDS: readonly Command[] = [
  {
    name: 'wallet export',
    summary: 'export the wallet as a locked Universal Wallet 2020 EncryptedWallet',
    args: [],
    options: {},
    notes: [PASSWORD_NOTE, 'Prints {wallet, exported, referenced}: exportable keys inside, the others listed by reference.'],
    method: 'wallet.export',
    unlock: true,
    params: async () => ({ password: await readSecret(PASSWORD, true) }),
  },
  {
    name: 'wallet import',
    summary: 'import a locked Universal Wallet (ours or another implementation\'s)',
    args: [],
    options: { exportable: { type: 'boolean', help: 'the imported keys may be exported again (default: not)' } },
    stdin: 'the locked wallet (JSON)',
    notes: [PASSWORD_NOTE],
    method: 'wallet.import',
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
      return { wallet, password: await readSecret(PASSWORD), ...(flag(inv, 'exportable') ? { exportable: true } : {}) };
    },
  },
];
