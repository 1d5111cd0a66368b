// Exit codes a script can trust, and no side effect from a mistake (issue 9): every usage error exits 2 before any KMS
// starts (a missing required option of each command included), a failed check (invalid signature or tag, broken
// audit chain) exits 1 with its result printed, and a mistyped store is left as it was, with an error that names it.
import Database from 'better-sqlite3';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OptionSpec } from '../../cli/command.js';
import { COMMANDS } from '../../cli/commands.js';
import { removeDir, tempDir } from '../helpers/kms.js';
import { jsonOut, OWKMS_BIN, owkms, type OwkmsRun } from '../helpers/owkms.js';

const PASSPHRASE = 'owkms exit code passphrase';
const ENV = { OWKMS_PASSPHRASE: PASSPHRASE };
const ID = 'AAAAAAAAAAAAAAAAAAAAAA';

let scratch: string;
let missing: string; // a store folder that must never appear
beforeAll(() => {
  scratch = tempDir('owkms-exit-');
  missing = join(scratch, 'no', 'such', 'store');
});
afterAll(() => removeDir(scratch));

/** Runs `cases` a few at a time (each is an owkms process; usage errors start no KMS). */
async function runAll(cases: string[][], env: Record<string, string> = ENV): Promise<OwkmsRun[]> {
  const out: OwkmsRun[] = [];
  for (let i = 0; i < cases.length; i += 4) out.push(...(await Promise.all(cases.slice(i, i + 4).map((args) => owkms(['--store', missing, ...args], { env })))));
  return out;
}

describe('usage errors exit 2, before a KMS starts', () => {
  it('for a missing required option of every command that has one, naming the option', async () => {
    // Each case leaves out one required option and gives the command's others a value they take.
    // A value of the option's form: base64url, a whole number, or an address (eth sign-tx).
    const forms = ['AAAA', '1', `0x${'11'.repeat(20)}`];
    const sample = (o: OptionSpec) => (o.choices ? o.choices[0]! : o.range ? String(o.range[0]) : forms.find((v) => !o.pattern || o.pattern.re.test(v)) ?? 'AAAA');
    const cases = COMMANDS.flatMap((c) => {
      const required = Object.entries(c.options).filter(([, o]) => o.required);
      return required.map(([name]) => ({
        name,
        args: [...c.name.split(' '), ...c.args.map(() => ID), ...required.filter(([n]) => n !== name).flatMap(([n, o]) => [`--${n}`, sample(o)])],
      }));
    });
    expect(cases.map((c) => c.name)).toEqual(expect.arrayContaining(['alg', 'peer', 'signature', 'mac', 'format', 'path']));
    const runs = await runAll(cases.map((c) => c.args));
    runs.forEach((run, i) => {
      const { name, args } = cases[i]!;
      expect({ args, code: run.code, said: run.stderr.includes(`needs --${name}`) }).toEqual({ args, code: 2, said: true });
      expect(run.stdout).toBe('');
    });
    expect(existsSync(join(scratch, 'no'))).toBe(false);
  }, 120_000);

  it('for every other kind of mistake, with a message that says what is wrong (JSON under --json)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['keys'], /keys needs a subcommand, one of: generate, list/],
      [['keys', 'frobnicate'], /not 'frobnicate'/],
      [['keys', 'show'], /keys show takes ID/],
      [['keys', 'show', ID, 'extra'], /'extra' is one too many/],
      [['keys', 'show', 'my key'], /ID must be a key id .* not 'my key'/],
      [['wrap', ID, '--key', 'x'], /--key takes a key id/],
      [['keys', 'list', '--alg', 'ed25519'], /keys list has no option --alg \(--alg is an option of keys generate/],
      [['--bogus', 'status'], /status has no option --bogus/],
      [['keys', 'generate', '--alg', 'rsa-1024'], /--alg takes one of .*not 'rsa-1024'/],
      [['keys', 'generate', '--alg', 'ed25519', '--alg', 'p256'], /--alg is given 2 times/],
      [['keys', 'generate', '--alg', 'ed25519', '--purposes', 'sign,fly'], /--purposes takes a comma-separated list of .*not 'fly'/],
      [['keys', 'generate', '--alg'], /--alg needs a value \(ALG\)/],
      [['--json=yes', 'status'], /--json takes no value/],
      [['keys', 'list', '--limit', '0'], /--limit must be a whole number from 1 to 1000, not '0'/],
      [['random', 'lots'], /LENGTH must be a whole number/],
      [['encrypt', ID, '--iv', 'AAA='], /--iv takes base64url/],
      [['agree', ID, '--peer', 'not a key!'], /--peer is a base64url public key/],
      [['agree', ID, '--peer', 'AAAA', '--raw', '--salt', 'AAAA'], /--raw prints the shared secret itself/],
      [['keys', 'import'], /keys import needs --format/],
      [['keys', 'import', '--format', 'raw'], /--format raw needs --alg/],
      [['keys', 'import', '--format', 'pkcs8', '--private'], /--private is for --format raw/],
      [['keys', 'update', ID], /needs something to change/],
      [['keys', 'update', ID, '--approval', '--no-approval'], /contradict each other/],
      [['init', '--seal', 'passphrase', '--tcti', 'x'], /are for --seal tpm/],
      [['init', '--seal', 'usb-stick'], /--seal takes passphrase, keychain, tpm or pkcs11:TOKEN/],
      [['jws', ID, '--header', '[1]'], /--header is a JSON object/],
      [['backup', '--out', 'x', '--in', 'y'], /backup has no option --in/],
      [['restore', '--in', 'x', '--seal', 'passphrase', '--tcti', 'x'], /are for --seal tpm/],
      [['restore', '--in', 'x', '--unlock-policy', 'most'], /--unlock-policy takes one of any, all/],
      [['doctor', 'extra'], /'extra' is one too many/],
      [['doctor', '--salvage-to'], /--salvage-to needs a value \(DIR\)/],
      [['rpc', 'extra'], /rpc takes no arguments/],
      [['help', 'frobnicate'], /no command 'frobnicate' to describe/],
      [[], /no command given/],
    ];
    const runs = await runAll(cases.map(([args]) => args));
    runs.forEach((run, i) => {
      const [args, message] = cases[i]!;
      expect({ args, code: run.code, stderr: run.stderr }).toEqual({ args, code: 2, stderr: expect.stringMatching(message) });
    });
    const json = await runAll(cases.slice(0, 6).map(([args]) => ['--json', ...args]));
    json.forEach((run, i) => {
      expect(run.code).toBe(2);
      expect(jsonOut(run)).toEqual({ error: { kind: 'INVALID_REQUEST', message: expect.stringMatching(cases[i]![1]) } });
    });
    expect(existsSync(join(scratch, 'no'))).toBe(false);
  }, 120_000);

  it('help is exit 0 on stdout: owkms help COMMAND, COMMAND --help, a group, rpc, --version', async () => {
    const runs = await runAll([['help', 'keys', 'generate'], ['sign', ID, '--help'], ['keys', '--help'], ['help', 'rpc'], ['agree', '-h'], ['--version']]);
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    expect(runs[0]!.stdout).toMatch(/^usage: owkms \[global options\] keys generate --alg ALG/);
    expect(runs[1]!.stdout).toMatch(/--context B64U +ML-DSA context/);
    expect(runs[2]!.stdout).toContain('keys import');
    expect(runs[3]!.stdout).toContain('JSON-RPC 2.0');
    expect(runs[4]!.stdout).toMatch(/--salt B64U +HKDF salt/);
    expect(runs[5]!.stdout).toMatch(/^owkms \d+\.\d+\.\d+\n$/);
  }, 60_000);
});

describe('a reader that goes away', () => {
  /** owkms with its stdout's reading end closed at once, as `owkms ... | head -c 0` does. */
  function withClosedStdout(args: string[], lines: string[] = []): Promise<{ code: number | null; stderr: string }> {
    const child = spawn(process.execPath, [OWKMS_BIN, '--store', missing, ...args], { env: { ...ENV, PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.stdin.on('error', () => {});
    for (const l of lines) child.stdin.write(l + '\n'); // stdin stays open: owkms must stop by itself
    return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr })));
  }

  it('ends owkms quietly (no EPIPE, no stack trace), with the exit code of what it did; rpc stops reading', async () => {
    expect(await withClosedStdout(['--help'])).toEqual({ code: 0, stderr: '' });
    const rpc = await withClosedStdout(['rpc'], ['{"jsonrpc":"2.0","id":1,"method":"crypto.random","params":{"length":8}}']);
    expect(rpc).toEqual({ code: 0, stderr: '' });
  }, 60_000);
});

describe('a store that does not exist', () => {
  it('is left as it was by every command but init and restore, and the error names it and says how to make one', async () => {
    const runs = await runAll([['keys', 'list'], ['--json', 'keys', 'generate', '--alg', 'ed25519'], ['sign', ID], ['audit', 'verify'], ['status'], ['random', '8'], ['tokens', 'list']]);
    expect(runs.map((r) => r.code)).toEqual([1, 1, 1, 1, 0, 0, 0]);
    expect(runs[0]!.stderr).toBe(`owkms: no keystore at ${missing} (nothing was created there): make one with \`owkms --store ${missing} init --seal passphrase\` [NOT_INITIALIZED]\n`);
    expect(jsonOut(runs[1]!)).toEqual({ error: { kind: 'NOT_INITIALIZED', message: expect.stringContaining(missing) } });
    expect(runs[4]!.stdout).toMatch(/^state: uninitialized$/m);
    const refused = await owkms(['--store', missing, 'init'], { env: { OWKMS_PASSPHRASE: 'short' } });
    expect(refused.code).toBe(1);
    // restore makes a store as init does: one that fails (no such backup file, a backup that is not one) leaves none.
    const notThere = await owkms(['--store', missing, 'restore', '--in', join(scratch, 'no-such.owkmsbak')], { env: { ...ENV, OWKMS_BACKUP_PASSPHRASE: 'backup passphrase 1' } });
    expect([notThere.code, notThere.stderr]).toEqual([1, expect.stringContaining('cannot read the backup')]);
    const junk = join(scratch, 'junk.owkmsbak');
    writeFileSync(junk, 'not a backup at all');
    const notOne = await owkms(['--json', '--store', missing, 'restore', '--in', junk], { env: { ...ENV, OWKMS_BACKUP_PASSPHRASE: 'backup passphrase 1' } });
    expect([notOne.code, jsonOut<{ error: { kind: string } }>(notOne).error.kind]).toEqual([1, 'CORRUPT']);
    const rpc = await owkms(['--store', missing, 'rpc'], { env: ENV, stdin: '{"jsonrpc":"2.0","id":1,"method":"keys.list","params":{}}\n' });
    expect(JSON.parse(rpc.stdout).error.data.kind).toBe('NOT_INITIALIZED');
    expect(existsSync(join(scratch, 'no'))).toBe(false);
    // Through $OWKMS_STORE, the suggestion is plain `owkms init`.
    const viaEnv = await owkms(['keys', 'list'], { env: { ...ENV, OWKMS_STORE: missing } });
    expect(viaEnv.stderr).toContain('make one with `owkms init --seal passphrase`');
  }, 120_000);
});

describe('checks exit 1 when they fail, printing their result', () => {
  let store: string;
  let ed: string;
  let hmac: string;
  const cli = (args: string[], stdin?: string) => owkms(['--store', store, ...args], { env: ENV, ...(stdin === undefined ? {} : { stdin }) });
  beforeAll(async () => {
    store = join(scratch, 'checks');
    expect((await cli(['init'])).code).toBe(0);
    ed = jsonOut<{ id: string }>(await cli(['--json', 'keys', 'generate', '--alg', 'ed25519'])).id;
    hmac = jsonOut<{ id: string }>(await cli(['--json', 'keys', 'generate', '--alg', 'hmac-sha256'])).id;
  }, 60_000);

  it('verify and mac-verify: 0 and {valid: true}, or 1 and {valid: false}; `verify && deploy` does not deploy', async () => {
    const { signature } = jsonOut<{ signature: string }>(await cli(['--json', 'sign', ed], 'release 1.0'));
    const { mac } = jsonOut<{ mac: string }>(await cli(['--json', 'mac', hmac], 'release 1.0'));
    // One at a time: a keystore has one opener.
    const good = await cli(['--json', 'verify', ed, '--signature', signature], 'release 1.0');
    const bad = await cli(['--json', 'verify', ed, '--signature', signature], 'release 1.1');
    const goodMac = await cli(['--json', 'mac-verify', hmac, '--mac', mac], 'release 1.0');
    const badMac = await cli(['--json', 'mac-verify', hmac, '--mac', mac], 'release 1.1');
    const human = await cli(['verify', ed, '--signature', signature], 'release 1.1');
    expect([good, bad, goodMac, badMac].map((r) => [r.code, jsonOut(r)])).toEqual([[0, { valid: true }], [1, { valid: false }], [0, { valid: true }], [1, { valid: false }]]);
    expect([human.code, human.stdout]).toEqual([1, 'valid: false\n']);
    const script = `printf 'release 1.1' | "${process.execPath}" "${OWKMS_BIN}" --store "${store}" verify ${ed} --signature ${signature} >/dev/null && echo DEPLOYED; echo done`;
    const sh = spawnSync('bash', ['-c', script], { env: { ...ENV, PATH: process.env.PATH ?? '/usr/bin:/bin' }, encoding: 'utf8' });
    expect(sh.stdout).toBe('done\n');
  }, 60_000);

  it('audit verify: 1 and {ok: false} when an entry was edited', async () => {
    expect((await cli(['audit', 'verify'])).code).toBe(0);
    const db = new Database(join(store, 'keystore.sqlite'));
    db.prepare("UPDATE audit SET outcome = 'APPROVAL_DENIED' WHERE seq = (SELECT min(seq) FROM audit)").run();
    db.close();
    const run = await cli(['--json', 'audit', 'verify']);
    expect(run.code).toBe(1);
    expect(jsonOut(run)).toMatchObject({ ok: false });
  }, 60_000);
});
