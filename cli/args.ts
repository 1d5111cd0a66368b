// Reads owkms's command line with node:util parseArgs: which command, its arguments and option values, checked
// against the command's declaration (allowed options, required ones, allowed values). Every mistake is a UsageError.
import { parseArgs } from 'node:util';
import { UsageError, wholeNumber, type Command, type OptionSpec } from './command.js';
import { COMMANDS, findCommand, GLOBAL_OPTIONS, GROUPS } from './commands.js';

export type GlobalValues = { store?: string; json?: boolean; 'passphrase-file'?: string; 'pin-file'?: string };
export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export type ParsedLine =
  | { kind: 'help'; topic: 'main' | 'rpc' | { group: string } | Command }
  | { kind: 'version' }
  | { kind: 'rpc'; values: OptionValues }
  | { kind: 'command'; command: Command; rest: string[]; values: OptionValues };

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; multiple?: boolean; short?: string }>;

function parseArgsOptions(specs: Readonly<Record<string, OptionSpec>>): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const [name, o] of Object.entries(specs)) out[name] = { type: o.type, ...(o.multiple ? { multiple: true } : {}), ...(name === 'help' ? { short: 'h' } : {}) };
  return out;
}

/** Every option of every command: one name means one type everywhere (checked at load). */
const ALL_OPTIONS: Readonly<Record<string, OptionSpec>> = (() => {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const c of COMMANDS) {
    for (const [name, o] of Object.entries(c.options)) {
      const seen = all[name];
      if (seen && (seen.type !== o.type || Boolean(seen.multiple) !== Boolean(o.multiple))) throw new Error(`owkms: option --${name} has two types`);
      all[name] = o;
    }
  }
  return all;
})();

/**
 * Base64url words (key ids, IVs, tags, MACs, signatures) begin with '-' one time in 64, and parseArgs takes them for
 * options. A string option takes the next word as its value whatever it starts with (as getopt does), and a word
 * with one leading dash (owkms has no short option but -h), or a 22-character key id with two that names no
 * option, is an argument: it is hidden from parseArgs behind a placeholder and put back afterwards, in its place.
 */
function shieldDashWords(argv: readonly string[]): { args: string[]; restore: (positionals: string[]) => string[] } {
  const args: string[] = [];
  const hidden: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i]!;
    if (word === '--') {
      args.push(...argv.slice(i));
      break;
    }
    const option = word.startsWith('--') ? ALL_OPTIONS[word.slice(2)] : undefined;
    const next = argv[i + 1];
    if (option?.type === 'string' && next !== undefined && next.startsWith('-') && next !== '--') {
      args.push(`${word}=${next}`);
      i++;
    } else if ((/^-[^-]/.test(word) && word !== '-h') || (/^--[A-Za-z0-9_-]{20}$/.test(word) && !option)) {
      args.push(`\u0000${hidden.length}`);
      hidden.push(word);
    } else args.push(word);
  }
  const restore = (positionals: string[]) => positionals.map((p) => (p.startsWith('\u0000') ? (hidden[Number(p.slice(1))] ?? p) : p));
  return { args, restore };
}

/** parseArgs's messages, said for owkms: which option, and where it belongs. */
function usageErrorOf(e: unknown, command: string | undefined): UsageError {
  const code = (e as { code?: string }).code;
  const message = (e as Error).message ?? String(e);
  const option = /'(--?[^' <=]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const name = option.replace(/^-+/, '');
    const owners = COMMANDS.filter((c) => name in c.options).map((c) => c.name);
    const where = owners.length ? ` (${option} is an option of ${owners.slice(0, 6).join(', ')}${owners.length > 6 ? ', ...' : ''})` : '';
    return new UsageError(command ? `${command} has no option ${option}${where}` : `unknown option ${option}${where}`, command);
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const spec = ALL_OPTIONS[option.replace(/^-+/, '')];
    return new UsageError(spec?.type === 'boolean' ? `${option} takes no value` : `${option} needs a value (${spec?.value ?? 'VALUE'})`, command);
  }
  return new UsageError(message, command);
}

function checkValues(command: Command, values: OptionValues, counts: Map<string, number>): void {
  for (const [name, o] of Object.entries(command.options)) {
    const v = values[name];
    if (v === undefined) {
      if (o.required) throw new UsageError(`${command.name} needs --${name} ${o.value ?? 'VALUE'}${o.choices ? ` (${o.choices.join(', ')})` : ''}`, command.name);
      continue;
    }
    if (!o.multiple && (counts.get(name) ?? 0) > 1) throw new UsageError(`--${name} is given ${counts.get(name)} times`, command.name);
    for (const x of Array.isArray(v) ? v : [v]) {
      if (typeof x !== 'string') continue;
      if (o.range) wholeNumber(x, `--${name}`, o.range[0], o.range[1]);
      if (o.pattern && !o.pattern.re.test(x)) throw new UsageError(`--${name} takes ${o.pattern.says}, not '${x.slice(0, 40)}'`, command.name);
    }
    if (!o.choices || typeof v !== 'string') continue;
    const items = o.list ? v.split(',').map((s) => s.trim()) : [v];
    const bad = items.find((x) => !o.choices!.includes(x));
    if (bad !== undefined) throw new UsageError(`--${name} takes ${o.list ? 'a comma-separated list of' : 'one of'} ${o.choices.join(', ')}; not '${bad.slice(0, 40)}'`, command.name);
  }
}

/** The command line as owkms reads it; throws UsageError. */
export function parseCommandLine(argv: readonly string[]): ParsedLine {
  const shield = shieldDashWords(argv);
  // First pass, lenient: where the command words are. The second pass checks everything against that command.
  const first = parseArgs({ args: shield.args, options: parseArgsOptions(ALL_OPTIONS), allowPositionals: true, strict: false });
  const positionals = shield.restore(first.positionals);
  const helpWord = positionals[0] === 'help';
  if (helpWord || first.values.help === true) {
    // `owkms help keys generate`, `owkms keys generate --help`, `owkms sign ID --help`: the command's own help.
    const topic = helpWord ? positionals.slice(1) : positionals;
    const found = findCommand(topic);
    if (topic.length === 0) return { kind: 'help', topic: 'main' };
    if (topic[0] === 'rpc') return { kind: 'help', topic: 'rpc' };
    if (found && (!helpWord || found.rest.length === 0)) return { kind: 'help', topic: found.command };
    if (GROUPS.has(topic[0]!) && (topic.length === 1 || !helpWord)) return { kind: 'help', topic: { group: topic[0]! } };
    throw new UsageError(`no command '${topic.join(' ').slice(0, 40)}' to describe`);
  }
  if (first.values.version === true && positionals.length === 0) return { kind: 'version' };
  if (positionals.length === 0) throw new UsageError('no command given');
  const isRpc = positionals[0] === 'rpc';
  const found = isRpc ? undefined : findCommand(positionals);
  if (!isRpc && !found) {
    // An unknown option before an unknown word is the likelier mistake: say that first.
    try {
      parseArgs({ args: shield.args, options: parseArgsOptions(ALL_OPTIONS), allowPositionals: true, strict: true });
    } catch (e) {
      throw usageErrorOf(e, undefined);
    }
    const subs = GROUPS.get(positionals[0]!);
    if (subs) throw new UsageError(`${positionals[0]} needs a subcommand, one of: ${subs.join(', ')}${positionals[1] ? ` (not '${positionals[1].slice(0, 40)}')` : ''}`);
    throw new UsageError(`unknown command '${positionals[0]!.slice(0, 40)}'`);
  }
  const name = isRpc ? 'rpc' : found!.command.name;
  const specs = { ...GLOBAL_OPTIONS, ...(found?.command.options ?? {}) };
  let strict;
  try {
    strict = parseArgs({ args: shield.args, options: parseArgsOptions(specs), allowPositionals: true, strict: true, tokens: true });
  } catch (e) {
    throw usageErrorOf(e, name);
  }
  const values = strict.values as OptionValues;
  const rest = isRpc ? positionals.slice(1) : found!.rest;
  if (isRpc) {
    if (rest.length) throw new UsageError('rpc takes no arguments (the requests come on stdin)', 'rpc');
    return { kind: 'rpc', values };
  }
  const command = found!.command;
  if (rest.length !== command.args.length) {
    const want = command.args.length ? command.args.map((a) => a.name).join(' ') : 'no arguments';
    throw new UsageError(`${command.name} takes ${want}${rest.length > command.args.length ? `; '${rest.at(-1)!.slice(0, 40)}' is one too many` : ''}`, command.name);
  }
  const counts = new Map<string, number>();
  for (const t of strict.tokens ?? []) if (t.kind === 'option') counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  try {
    command.args.forEach((a, i) => {
      if (a.range) wholeNumber(rest[i]!, a.name, a.range[0], a.range[1]);
      if (a.pattern && !a.pattern.re.test(rest[i]!)) throw new UsageError(`${a.name} must be ${a.pattern.says}, not '${rest[i]!.slice(0, 40)}'`);
    });
    checkValues(command, values, counts);
    command.check?.({ positionals: rest, options: values });
  } catch (e) {
    throw e instanceof UsageError && !e.command ? new UsageError(e.message, command.name) : e;
  }
  return { kind: 'command', command, rest, values };
}
