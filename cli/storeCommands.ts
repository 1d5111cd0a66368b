// owkms commands about the keystore itself: init, status, sealers, tokens, audit, and the two that need no key
// (random, batch).
import { MAX_BATCH_ITEMS, MAX_RANDOM_BYTES, type SealerEnrolment } from '../kms-process/api/index.js';
import { defined, flag, str, UsageError, wholeNumber, type Command, type Invocation, type OptionSpec } from './command.js';
import { jsonStdin, PAGE_OPTIONS, pageParams } from './sharedOptions.js';

const SEAL_KINDS = /^(passphrase|keychain|tpm|pkcs11:[A-Za-z0-9._ -]{1,64})$/;
const PCR_LIST = /^(([0-9]|1[0-9]|2[0-3])(,|$))+$/;

export const SEALER_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  seal: {
    type: 'string',
    multiple: true,
    value: 'KIND',
    help: 'a sealer of the master key, repeatable: passphrase, keychain, tpm, pkcs11:TOKEN (serial or label)',
    pattern: { re: SEAL_KINDS, says: 'passphrase, keychain, tpm or pkcs11:TOKEN' },
  },
  'unlock-policy': { type: 'string', value: 'any|all', choices: ['any', 'all'], help: 'any one sealer unlocks (default), or all of them together' },
  tcti: { type: 'string', value: 'T', help: 'the TPM to seal with, as a tpm2-tss TCTI (default $OWKMS_TCTI, else /dev/tpmrm0)' },
  'tpm-pcrs': {
    type: 'string',
    value: 'LIST',
    help: 'bind the TPM sealer to these PCRs, comma-separated indexes (e.g. 0,7): a changed boot state cannot unseal',
    pattern: { re: PCR_LIST, says: 'PCR indexes 0 to 23, comma-separated' },
  },
  'tpm-pin': { type: 'boolean', help: 'the TPM sealer also needs a PIN ($OWKMS_PIN, --pin-file or a prompt) at every unlock' },
  'keychain-service': { type: 'string', value: 'NAME', help: 'the keychain service name the master key is kept under (default: owkms)' },
};

function pcrs(inv: Invocation): number[] | undefined {
  const v = str(inv, 'tpm-pcrs');
  return v === undefined ? undefined : [...new Set(v.split(',').filter(Boolean).map(Number))];
}

const sealKinds = (inv: Pick<Invocation, 'options'>) => (inv.options.seal as string[] | undefined) ?? ['passphrase'];

export function checkSealers(inv: Pick<Invocation, 'positionals' | 'options'>): void {
  const kinds = sealKinds(inv);
  if (new Set(kinds.map((k) => k.split(':')[0])).size !== kinds.length) throw new UsageError('--seal names each kind of sealer once');
  const i = inv as Invocation;
  if (!kinds.includes('tpm') && (str(i, 'tcti') || str(i, 'tpm-pcrs') || flag(i, 'tpm-pin'))) throw new UsageError('--tcti, --tpm-pcrs and --tpm-pin are for --seal tpm');
  if (!kinds.includes('keychain') && str(i, 'keychain-service')) throw new UsageError('--keychain-service is for --seal keychain');
}

export async function sealers(inv: Invocation, newPassphrase: boolean): Promise<SealerEnrolment[]> {
  const kinds = sealKinds(inv);
  const out: SealerEnrolment[] = [];
  for (const k of kinds) {
    if (k === 'passphrase') out.push({ kind: 'passphrase', passphrase: await inv.secret(newPassphrase ? 'new-passphrase' : 'passphrase', true) });
    else if (k === 'tpm') {
      const auth = flag(inv, 'tpm-pin') ? await inv.secret('pin') : undefined;
      out.push(defined({ kind: 'tpm', tcti: str(inv, 'tcti'), pcrs: pcrs(inv), auth }) as SealerEnrolment);
    } else if (k === 'keychain') out.push(defined({ kind: 'keychain', service: str(inv, 'keychain-service') }) as SealerEnrolment);
    else out.push({ kind: 'pkcs11', token: k.slice(7), pin: await inv.secret('pin') });
  }
  return out;
}

const SECRETS_NOTE = 'The passphrase comes from $OWKMS_PASSPHRASE, --passphrase-file or a prompt (asked twice); a PIN from $OWKMS_PIN, --pin-file or a prompt.';

export const STORE_COMMANDS: readonly Command[] = [
  {
    name: 'init',
    summary: 'create the keystore and its master key, sealed by the sealers given',
    args: [],
    options: SEALER_OPTIONS,
    notes: ['The only command that creates anything in the store folder (the folder too, owner-only). Default sealer: passphrase.', SECRETS_NOTE],
    method: 'kms.init',
    unlock: false,
    check: checkSealers,
    params: async (inv) => defined({ sealers: await sealers(inv, false), unlockPolicy: str(inv, 'unlock-policy') }),
  },
  {
    name: 'status',
    summary: "the keystore's state (uninitialized, locked, unlocked), sealers, tokens and process hardening",
    args: [],
    options: { 'no-probe': { type: 'boolean', help: 'do not ask each sealer and token whether it is there (faster)' } },
    notes: ['Each owkms run starts its own KMS, so a one-shot status says locked: it does not unlock.'],
    method: 'kms.status',
    unlock: false,
    params: async (inv) => (flag(inv, 'no-probe') ? { probe: false } : {}),
  },
  {
    name: 'sealers set',
    summary: 'replace the set of sealers (re-seals the master key; keys are not re-encrypted)',
    args: [],
    options: { ...SEALER_OPTIONS, seal: { ...SEALER_OPTIONS.seal!, required: true } },
    notes: ['The current secret unlocks and re-authenticates the change; a new passphrase comes from $OWKMS_NEW_PASSPHRASE or a prompt.'],
    method: 'kms.changeSealers',
    unlock: true,
    check: checkSealers,
    params: async (inv) => defined({ sealers: await sealers(inv, true), unlockPolicy: str(inv, 'unlock-policy'), ...(await inv.currentSecrets()) }),
  },
  {
    name: 'tokens list',
    summary: 'PKCS#11 modules, and the tokens in their slots with their PIN state',
    args: [],
    options: {},
    method: 'tokens.list',
    unlock: false,
    params: async () => ({}),
  },
  {
    name: 'tokens login',
    summary: "check a token's PIN (the PIN from $OWKMS_PIN, --pin-file or a prompt)",
    args: [{ name: 'TOKEN', help: 'the token serial, or a label no other token has' }],
    options: { 'confirm-final-try': { type: 'boolean', help: 'spend the last PIN attempt of a token that says one is left' } },
    method: 'tokens.login',
    unlock: false,
    params: async (inv) => defined({ token: inv.positionals[0], pin: await inv.secret('pin'), confirmFinalTry: flag(inv, 'confirm-final-try') }),
  },
  {
    name: 'audit list',
    summary: 'the audit log: who did what to which key, and the outcome (never data)',
    args: [],
    options: PAGE_OPTIONS,
    method: 'audit.list',
    unlock: true,
    params: async (inv) => pageParams(inv),
  },
  {
    name: 'audit verify',
    summary: "check the audit log's HMAC chain",
    args: [],
    options: {},
    notes: ['Exit code 1 when the chain is broken (ok: false), with the result printed as usual.'],
    method: 'audit.verify',
    unlock: true,
    failed: (r) => (r as { ok?: unknown }).ok === false,
    params: async () => ({}),
  },
  {
    name: 'random',
    summary: 'random bytes from the KMS',
    args: [{ name: 'LENGTH', help: `how many bytes (1 to ${MAX_RANDOM_BYTES})`, range: [1, MAX_RANDOM_BYTES] }],
    options: {},
    method: 'crypto.random',
    unlock: false,
    params: async (inv) => ({ length: wholeNumber(inv.positionals[0]!, 'LENGTH', 1, MAX_RANDOM_BYTES) }),
  },
  {
    name: 'batch',
    summary: 'many sign / verify / encrypt / decrypt / mac / mac-verify operations in one message',
    args: [],
    options: {},
    stdin: `a JSON array (or {"items": [...]}) of up to ${MAX_BATCH_ITEMS} {"method": "crypto.sign", "params": {...}} items, params as in the protocol`,
    notes: ['Each item is answered on its own: {"results": [{"result": ...} or {"error": {"kind", "message"}}, ...]}.'],
    method: 'crypto.batch',
    unlock: true,
    params: async (inv) => {
      const parsed = await jsonStdin(inv, 'batch reads a JSON array of {"method", "params"} items');
      return { items: Array.isArray(parsed) ? parsed : (parsed as { items?: unknown } | null)?.items };
    },
  },
];
