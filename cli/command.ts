// What an owkms command declares (its arguments, options with their help and allowed values, the KMS method it
// calls), and the typed readers of its option values. A mistake on the command line is a UsageError: exit code 2.
import type { MethodName } from '../kms-process/api/index.js';

/** A mistake on the command line (unknown command or option, a missing or malformed value): exit code 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose help says how to use it. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** Bytes on the command line are base64url without padding (RFC 4648 section 5), as owkms prints them. */
export const B64U = { re: /^[A-Za-z0-9_-]*$/, says: 'base64url (A-Z a-z 0-9 - _, no = padding)' } as const;

export interface OptionSpec {
  type: 'string' | 'boolean';
  multiple?: boolean;
  /** The value's placeholder in usage lines, e.g. ALG. */
  value?: string;
  help: string;
  /** The values it takes (checked before the KMS starts); a list option checks each comma-separated item. */
  choices?: readonly string[];
  /** A comma-separated list of `choices`. */
  list?: boolean;
  required?: boolean;
  /** A whole number in this range. */
  range?: readonly [number, number];
  /** The form the value must have, and how to say it. */
  pattern?: { re: RegExp; says: string };
}

export interface ArgSpec {
  name: string;
  help: string;
  /** A whole number in this range. */
  range?: readonly [number, number];
  /** The form the argument must have, and how to say it. */
  pattern?: { re: RegExp; says: string };
}

/** Key ids as the KMS makes them (and as api/common.ts's keyId takes them). */
export const KEY_ID_FORM = { re: /^[A-Za-z0-9_-]{8,64}$/, says: 'a key id (8 to 64 base64url characters, as keys list shows them)' } as const;

export interface Invocation {
  positionals: string[];
  options: Record<string, string | boolean | string[] | undefined>;
  stdin: () => Promise<Buffer>;
  secret: (what: 'passphrase' | 'new-passphrase' | 'pin', confirm?: boolean) => Promise<string>;
  /** The secrets that unlocked the keystore in this run (to re-authenticate a sealer change). */
  currentSecrets: () => Promise<{ passphrase?: string; pin?: string }>;
}

export interface Command {
  /** e.g. "keys generate" */
  name: string;
  /** One line for the command list. */
  summary: string;
  args: readonly ArgSpec[];
  options: Readonly<Record<string, OptionSpec>>;
  /** What the command reads on stdin, if anything. */
  stdin?: string;
  /** More help: formats, defaults, exit codes. */
  notes?: readonly string[];
  /** The KMS method it calls; absent for the commands main.ts runs itself (`local`). */
  method?: MethodName;
  /**
   * Not a one-shot call: the local service (`agent`), the module's path, the WebKMS service, the doctor (a KMS of its
   * own whose sandbox may write the salvage folder) (main.ts).
   */
  local?: 'agent' | 'module-path' | 'serve' | 'doctor';
  /** The keystore must be unlocked first. */
  unlock: boolean;
  /** A PKCS#11 token this command uses (logged in to first, with the PIN), if any: `pkcs11:SERIAL` or a key id. */
  token?: (inv: Invocation) => { provider?: string | undefined; keyId?: string | undefined };
  /** Rules between options, checked with the command line, before the KMS starts; throws UsageError. */
  check?: (inv: Pick<Invocation, 'positionals' | 'options'>) => void;
  /** What to print instead of the result (a string is printed as it is, without --json). */
  present?: (result: unknown, options: Invocation['options']) => unknown;
  /** A check that did not pass ({valid: false}, {ok: false}): printed as usual, exit code 1. */
  failed?: (result: unknown) => boolean;
  params(inv: Invocation): Promise<Record<string, unknown>>;
}

export function str(inv: Invocation, name: string): string | undefined {
  const v = inv.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function flag(inv: Invocation, name: string): boolean {
  return inv.options[name] === true;
}

/** A whole number in [min, max] written in decimal digits; a usage error naming `what` otherwise. */
export function wholeNumber(text: string, what: string, min: number, max: number): number {
  const n = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new UsageError(`${what} must be a whole number from ${min} to ${max}, not '${text.slice(0, 32)}'`);
  return n;
}

/** A whole number option. */
export function int(inv: Invocation, name: string, min: number, max: number): number | undefined {
  const v = str(inv, name);
  return v === undefined ? undefined : wholeNumber(v, `--${name}`, min, max);
}

/** A comma-separated list option as an array (its items were checked against the option's choices). */
export function list(inv: Invocation, name: string): string[] | undefined {
  const v = str(inv, name);
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** Drops undefined and false members, so the KMS gets only what was asked for. */
export function defined(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== false));
}

/** The usage line: `keys generate --alg ALG [--label L] ...`. */
export function usageLine(c: Command): string {
  const opts = Object.entries(c.options).map(([name, o]) => {
    const text = o.type === 'boolean' ? `--${name}` : `--${name} ${o.value ?? 'VALUE'}`;
    return o.required ? text : `[${text}]`;
  });
  return [c.name, ...c.args.map((a) => a.name), ...opts].join(' ');
}
