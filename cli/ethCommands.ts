// owkms commands for Ethereum signing with structure: an EIP-1559 transaction from its fields, and EIP-712 typed
// data from JSON on stdin. The KMS builds the bytes it signs from these (a secp256k1 key; HD children included).
import { KEY_ID_FORM, defined, str, UsageError, type Command, type Invocation, type OptionSpec } from './command.js';

const KEY_ID = { name: 'ID', help: 'a secp256k1 key (an Ethereum account: keys derive m/44\'/60\'/0\'/0/N)', pattern: KEY_ID_FORM } as const;
const WHOLE = { re: /^(0|[1-9][0-9]{0,77})$/, says: 'a whole number in decimal (no leading zeros)' } as const;
const ADDRESS = { re: /^0x[0-9a-fA-F]{40}$/, says: 'a 0x address of 40 hex digits (mixed case must be its EIP-55 checksum)' } as const;
const HEX = { re: /^0x([0-9a-fA-F]{2})*$/, says: '0x and an even number of hex digits' } as const;

const whole = (help: string, value = 'N', required = true): OptionSpec => ({ type: 'string', value, pattern: WHOLE, required, help });

/** Option name -> the transaction field it sets. */
const TX_FIELDS: Readonly<Record<string, string>> = {
  'chain-id': 'chainId',
  nonce: 'nonce',
  to: 'to',
  value: 'value',
  'gas-limit': 'gasLimit',
  'max-fee': 'maxFeePerGas',
  'max-priority-fee': 'maxPriorityFeePerGas',
  data: 'data',
};

function typedData(text: string): unknown {
  try {
    const v: unknown = JSON.parse(text);
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // said below
  }
  throw new UsageError('stdin is EIP-712 typed data as JSON: {"types", "primaryType", "domain", "message"} (eth_signTypedData_v4)', 'eth sign-typed-data');
}

export const ETH_COMMANDS: readonly Command[] = [
  {
    name: 'eth sign-tx',
    summary: 'sign an EIP-1559 transaction (prints {signedTransaction, hash, from})',
    args: [KEY_ID],
    options: {
      'chain-id': whole('the chain id (1 mainnet, 11155111 Sepolia, ...)'),
      nonce: whole("the sender's next nonce"),
      to: { type: 'string', value: 'ADDR', pattern: ADDRESS, required: true, help: 'the recipient' },
      value: whole('the amount in wei (1 ETH = 10^18 wei)', 'WEI'),
      'gas-limit': whole('the gas limit (21000 for a plain transfer)'),
      'max-fee': whole('maxFeePerGas in wei', 'WEI'),
      'max-priority-fee': whole('maxPriorityFeePerGas in wei (the tip)', 'WEI'),
      data: { type: 'string', value: 'HEX', pattern: HEX, help: 'calldata, 0x hex (default: none)' },
    },
    notes: ['The output is the EIP-2718 bytes to broadcast (eth_sendRawTransaction). Contract deployment is not offered.'],
    method: 'crypto.signEthTransaction',
    unlock: true,
    token: (inv: Invocation) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => ({
      id: inv.positionals[0],
      tx: defined(Object.fromEntries(Object.entries(TX_FIELDS).map(([option, field]) => [field, str(inv, option)]))),
    }),
  },
  {
    name: 'eth sign-typed-data',
    summary: 'sign EIP-712 typed data read as JSON on stdin (prints {signature, hash, from})',
    args: [KEY_ID],
    options: {},
    stdin: 'the typed data as JSON, as eth_signTypedData_v4 takes it',
    notes: ['The signature is r||s||v with v 27 or 28, 0x hex; hash is the EIP-712 digest that was signed.'],
    method: 'crypto.signTypedData',
    unlock: true,
    token: (inv: Invocation) => ({ keyId: inv.positionals[0] }),
    params: async (inv) => ({ id: inv.positionals[0], typedData: typedData((await inv.stdin()).toString('utf8')) }),
  },
];
