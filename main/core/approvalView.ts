// What an approval prompt shows: the operation, the key (label and algorithm from keys.get), who asked, and what
// is signed: the text of a personal message when the data is readable text, else its SHA-256; an Ethereum
// transaction or typed data as their decoded fields (ethApprovalView.ts); a settings change as before and after.
import { createHash } from 'node:crypto';
import { ethTransactionSections, typedDataSections, type ApprovalSection } from './ethApprovalView.js';

export type { ApprovalRow, ApprovalSection } from './ethApprovalView.js';

export interface ApprovalView {
  /** The KMS method (or the flow), and a sentence a person reads. */
  method: string;
  action: string;
  /** The key, when the operation uses one. */
  keyId?: string;
  keyLabel?: string;
  algorithm?: string;
  /** Who asked: the wallet window (`ui`). */
  caller: string;
  what:
    | { kind: 'message'; text: string }
    | { kind: 'hash'; sha256: string; bytes: number }
    | { kind: 'details'; lines: string[] }
    | { kind: 'sections'; sections: ApprovalSection[] };
  /** A caution shown above the buttons (an unknown network, a contract call). */
  warning?: string;
}

const ACTIONS: Record<string, string> = {
  'crypto.sign': 'Sign a message',
  'crypto.signJws': 'Sign a JSON Web Signature',
  'crypto.encrypt': 'Encrypt data',
  'crypto.decrypt': 'Decrypt data',
  'crypto.mac': 'Compute a MAC',
  'crypto.agree': 'Agree on a shared key',
  'crypto.encapsulate': 'Encapsulate a shared key',
  'crypto.decapsulate': 'Decapsulate a shared key',
  'keys.derive': 'Derive a child key',
  'keys.delete': 'Delete the key',
  'keys.update': 'Change the key',
  'keys.rotate': 'Rotate the key',
  'keys.retireVersions': 'Retire old versions of the key',
  'crypto.signEthTransaction': 'Sign an Ethereum transaction',
  'crypto.signTypedData': 'Sign typed data (EIP-712)',
};

/** What cannot be undone, said before the user approves it. */
const CONSEQUENCES: Record<string, string> = {
  'keys.delete': 'The key is destroyed for good: it cannot sign again, and what it encrypted cannot be decrypted again (an account comes back from its recovery phrase).',
  'keys.retireVersions': 'The old versions are destroyed for good: data encrypted with them cannot be decrypted again.',
};

/** Longest message text shown in full; longer data is shown by its hash (a prompt must stay readable). */
const MAX_SHOWN_TEXT = 2000;

/** The bytes as text when they are valid UTF-8 a person can read (no control characters but newline and tab). */
export function readableText(bytes: Buffer): string | undefined {
  if (bytes.length === 0 || bytes.length > MAX_SHOWN_TEXT) return undefined;
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
  // Control and bidirectional-override characters could make the shown text differ from what is signed.
  if (/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069\ufeff]/.test(text)) return undefined;
  return text;
}

/** `prehashed`: the data is already a digest, so it is shown as one even when its bytes happen to read as text. */
function describeData(b64u: string, prehashed: boolean): ApprovalView['what'] {
  const bytes = Buffer.from(b64u, 'base64url');
  if (prehashed) return { kind: 'details', lines: [`a precomputed digest (${bytes.length} bytes): ${bytes.toString('hex')}`] };
  const text = readableText(bytes);
  if (text !== undefined) return { kind: 'message', text };
  return { kind: 'hash', sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length };
}

export function approvalView(
  method: string,
  params: Record<string, unknown>,
  key: { id: string; label: string; algorithm: string; extra?: Record<string, string> | undefined },
): ApprovalView {
  const base = { method, action: ACTIONS[method] ?? method, keyId: key.id, keyLabel: key.label, algorithm: key.algorithm, caller: 'ui' };
  if (method === 'crypto.signEthTransaction' || method === 'crypto.signTypedData') {
    // The KMS validated these params before it asked for approval; the same params go back to it as `app`.
    const decoded =
      method === 'crypto.signEthTransaction'
        ? ethTransactionSections(params.tx as Record<string, unknown>, key.extra?.ethereumAddress)
        : typedDataSections(params.typedData as Record<string, unknown>);
    const from = key.extra?.ethereumAddress;
    if (method === 'crypto.signTypedData' && from) decoded.sections.unshift({ title: 'Signer', rows: [{ label: 'Address', value: from }] });
    return { ...base, what: { kind: 'sections', sections: decoded.sections }, ...(decoded.warning ? { warning: decoded.warning } : {}) };
  }
  const data = method === 'crypto.signJws' ? params.payload : params.data;
  if (typeof data === 'string') {
    const what = describeData(data, params.prehashed === true);
    // "a message" only when a person can read what is signed; otherwise it is data (shown by hash or digest).
    const action = method === 'crypto.sign' && what.kind !== 'message' ? 'Sign data' : base.action;
    return { ...base, action, what };
  }
  // Everything but bulk data, one line per member, so the user sees e.g. the new policy of keys.update.
  const lines = Object.entries(params)
    .filter(([k]) => k !== 'id')
    .map(([k, v]) => `${k}: ${JSON.stringify(v).slice(0, 200)}`);
  const warning = CONSEQUENCES[method];
  return { ...base, what: { kind: 'details', lines }, ...(warning ? { warning } : {}) };
}
