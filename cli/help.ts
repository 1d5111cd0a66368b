// owkms's help: the command list (owkms --help) and one command's arguments and options (owkms help COMMAND, or
// COMMAND --help), built from the same declarations the parser checks against, so they cannot disagree.
import { usageLine, type Command, type OptionSpec } from './command.js';
import { COMMANDS, GLOBAL_OPTIONS, GROUPS } from './commands.js';

export const RPC_SUMMARY = 'JSON-RPC 2.0 lines on stdin, one answer line each on stdout, as caller cli, until stdin closes';

export const EXIT_CODES = [
  'exit codes:',
  '  0  success (and a valid signature, tag or audit chain)',
  '  1  an error the KMS or owkms reports (kind and message on stderr, or as JSON with --json), or an invalid',
  '     signature or tag (verify, mac-verify) or a broken audit chain (audit verify)',
  '  2  a usage error: unknown command or option, a missing or malformed option or argument',
];

function optionLines(options: Readonly<Record<string, OptionSpec>>): string[] {
  const rows = Object.entries(options).map(([name, o]) => {
    const left = o.type === 'boolean' ? `--${name}` : `--${name} ${o.value ?? 'VALUE'}`;
    let help = o.help + (o.required ? ' (required)' : '');
    if (o.choices && !o.choices.every((v) => o.help.includes(v))) help += `; ${o.list ? 'any of' : 'one of'}: ${o.choices.join(', ')}`;
    return [left, help] as const;
  });
  const width = Math.min(28, Math.max(0, ...rows.map(([l]) => l.length)));
  return rows.map(([l, h]) => `  ${l.padEnd(width)}  ${h}`);
}

/** `owkms --help`. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length), 3);
  return [
    'usage: owkms [--store DIR] [--json] [--passphrase-file F] [--pin-file F] COMMAND [ARGS] [OPTIONS]',
    '',
    'The keystore is --store DIR, else $OWKMS_STORE, else the desktop app\'s data folder. Only init creates one.',
    'Secrets never come from arguments: $OWKMS_PASSPHRASE / --passphrase-file / a prompt; $OWKMS_PIN / --pin-file.',
    'Data to sign, encrypt or mac is read raw from stdin; bytes in options and output are base64url.',
    '',
    'commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    `  ${'rpc'.padEnd(width)}  ${RPC_SUMMARY}`,
    `  ${'help'.padEnd(width)}  owkms help COMMAND describes a command and every option it takes`,
    '',
    'global options:',
    ...optionLines(GLOBAL_OPTIONS),
    '',
    ...EXIT_CODES,
  ].join('\n');
}

/** `owkms help keys` / `owkms keys --help`: the subcommands of one group. */
export function groupHelp(group: string): string {
  const subs = COMMANDS.filter((c) => c.name.startsWith(`${group} `));
  const width = Math.max(...subs.map((c) => c.name.length));
  return [`usage: owkms ${group} ${(GROUPS.get(group) ?? []).join('|')} ...`, '', ...subs.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`), '', `owkms help ${group} SUBCOMMAND describes one.`].join('\n');
}

/** `owkms help COMMAND` / `owkms COMMAND --help`. */
export function commandHelp(c: Command): string {
  const out = [`usage: owkms [global options] ${usageLine(c)}`, '', `${c.summary[0]!.toUpperCase()}${c.summary.slice(1)}${c.method ? ` (KMS method ${c.method})` : ''}.`];
  if (c.args.length) out.push('', 'arguments:', ...c.args.map((a) => `  ${a.name}  ${a.help}`));
  if (Object.keys(c.options).length) out.push('', 'options:', ...optionLines(c.options));
  if (c.stdin) out.push('', `stdin: ${c.stdin}`);
  if (c.notes?.length) out.push('', ...c.notes);
  out.push('', 'global options: --store DIR, --json, --passphrase-file F, --pin-file F (owkms --help says more)');
  return out.join('\n');
}

export function rpcHelp(): string {
  return [
    'usage: owkms [global options] rpc',
    '',
    `${RPC_SUMMARY}. Every method of the protocol (kms-process/api) is reachable this way, with every field.`,
    'A passphrase or PIN given by $OWKMS_PASSPHRASE / --passphrase-file ($OWKMS_PIN / --pin-file) unlocks first.',
  ].join('\n');
}
