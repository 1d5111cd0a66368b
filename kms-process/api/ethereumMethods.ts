// Ethereum signing with structure: an EIP-1559 transaction given by its fields, and EIP-712 typed data. The KMS
// builds the exact bytes it signs from these params, so a trusted prompt that decodes the same params shows what is
// signed (not a hash). From callers that cannot confirm (`ui`), every call needs the user's approval
// (policy/alwaysConfirmed.ts), as MetaMask and Frame always ask.
import { z } from 'zod';
import { keyId } from './common.js';
import { MAX_SHORT_STRING } from './limits.js';

/** Largest calldata accepted (bytes); a contract deployment would need more, and is not offered here. */
export const MAX_ETH_DATA_BYTES = 128 * 1024;

/** A uint256 as a decimal string (JSON has no bigint), no leading zeros. */
export const ethUint = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'expected a whole number in decimal');
/** A 20-byte address, 0x-prefixed; mixed case must be a valid EIP-55 checksum (checked by the KMS). */
export const ethAddress = z.string().regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x address of 40 hex digits');
const hexBytes = (max: number) => z.string().max(2 + 2 * max).regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x and an even number of hex digits');

/** An EIP-1559 (type 2) transaction as a person fills it in; amounts in wei. */
export const ethTransaction = z.strictObject({
  chainId: ethUint,
  nonce: ethUint,
  to: ethAddress,
  value: ethUint,
  gasLimit: ethUint,
  maxFeePerGas: ethUint,
  maxPriorityFeePerGas: ethUint,
  data: hexBytes(MAX_ETH_DATA_BYTES).optional(),
});
export type EthTransaction = z.infer<typeof ethTransaction>;

const identifier = z.string().max(MAX_SHORT_STRING).regex(/^[A-Za-z_$][A-Za-z0-9_$]*$/, 'expected an identifier');
const typeName = z.string().max(MAX_SHORT_STRING).regex(/^[A-Za-z_$][A-Za-z0-9_$]*(\[[0-9]*\])*$/, 'expected an EIP-712 type');

/** EIP-712 typed data as eth_signTypedData_v4 takes it. */
export const typedData = z.strictObject({
  types: z.record(identifier, z.array(z.strictObject({ name: identifier, type: typeName })).max(64)).refine((t) => Object.keys(t).length <= 64, 'too many types'),
  primaryType: identifier,
  domain: z.strictObject({
    name: z.string().max(MAX_SHORT_STRING).optional(),
    version: z.string().max(MAX_SHORT_STRING).optional(),
    chainId: z.union([ethUint, z.number().int().min(0).max(Number.MAX_SAFE_INTEGER)]).optional(),
    verifyingContract: ethAddress.optional(),
    salt: z.string().regex(/^0x[0-9a-fA-F]{64}$/, 'expected 32 bytes of hex').optional(),
  }),
  message: z.record(z.string().max(MAX_SHORT_STRING), z.json()),
});
export type TypedDataInput = z.infer<typeof typedData>;

const signed = { from: z.string(), hash: z.string() };

export const ethereumMethods = {
  'crypto.signEthTransaction': {
    params: z.strictObject({ id: keyId, tx: ethTransaction }),
    /** The signed transaction (EIP-2718 bytes, 0x hex) ready to broadcast, its hash, and the sender address. */
    result: z.object({ signedTransaction: z.string(), ...signed }),
  },
  'crypto.signTypedData': {
    params: z.strictObject({ id: keyId, typedData }),
    /** r||s||v (v 27/28) as 0x hex, the EIP-712 digest that was signed, and the signer address. */
    result: z.object({ signature: z.string(), ...signed }),
  },
} as const;
