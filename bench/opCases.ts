// The six operations the benchmark compares (issue 6): what each sends to the KMS, and the same call made in-process
// on the algorithm spec the KMS itself runs.
import { randomBytes } from 'node:crypto';
import type { AlgorithmId } from '../kms-process/api/index.js';
import type { AlgorithmSpec } from '../kms-process/algorithms/algorithm.js';

export type KmsMethod = 'crypto.sign' | 'crypto.encrypt' | 'crypto.mac';

export interface OpCase {
  /** Name in the results: `<algorithm>.<operation>`. */
  op: string;
  algorithm: AlgorithmId;
  method: KmsMethod;
  data: Buffer;
  /** Request options besides `id` and `data` (defaults written out so both sides provably do the same thing). */
  options: Record<string, string>;
  /** Whether the KMS can put this algorithm on a PKCS#11 token (`keys.generate` with `provider: pkcs11:SERIAL`). */
  onToken: boolean;
  /** One operation in-process with a loaded key handle of `spec`. */
  raw(spec: AlgorithmSpec, handle: unknown): unknown;
}

const MESSAGE = randomBytes(32); // a digest-sized message: what wallets sign and MAC
const PLAINTEXT = randomBytes(1024);

function signCase(op: string, algorithm: AlgorithmId, options: Record<string, string>): OpCase {
  return {
    op,
    algorithm,
    method: 'crypto.sign',
    data: MESSAGE,
    options,
    onToken: true,
    raw: (spec, handle) => spec.sign!(handle, { data: MESSAGE, ...options }),
  };
}

export const OP_CASES: readonly OpCase[] = [
  signCase('ed25519.sign', 'ed25519', {}),
  signCase('p256.sign', 'p256', { hash: 'sha256' }),
  signCase('secp256k1.sign', 'secp256k1', { hash: 'sha256' }),
  signCase('rsa-2048.sign', 'rsa-2048', { scheme: 'pss', hash: 'sha256' }),
  {
    op: 'aes-256-gcm.encrypt',
    algorithm: 'aes-256',
    method: 'crypto.encrypt',
    data: PLAINTEXT,
    options: { mode: 'gcm' },
    onToken: true,
    raw: (spec, handle) => spec.encrypt!(handle, { data: PLAINTEXT, mode: 'gcm' }),
  },
  {
    op: 'hmac-sha256.mac',
    algorithm: 'hmac-sha256',
    method: 'crypto.mac',
    data: MESSAGE,
    options: {},
    onToken: false, // the KMS keeps HMAC keys in software only
    raw: (spec, handle) => spec.mac!(handle, MESSAGE),
  },
];

/** The JSON-RPC params of one operation with the KMS key `id` (built once, reused for every call). */
export function kmsParams(c: OpCase, id: string): Record<string, string> {
  return { id, data: c.data.toString('base64url'), ...c.options };
}
