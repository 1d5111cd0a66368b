// The two commands at the top of README.md stay true (issue 9). The first (make a keystore and a key, sign with it)
// runs here as written, after `npm ci`, in an empty folder, with `npx owkms` meaning this repository's owkms and the
// passphrase from $OWKMS_PASSPHRASE instead of the terminal; node:crypto checks the signature it prints. The second
// is the one CI runs (.ci/run), which must name the script that exists.
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { removeDir, tempDir } from '../helpers/kms.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The commands of the first sh block, without their comment lines. */
function topCommands(): string[] {
  const block = /```sh\n([\s\S]*?)```/.exec(README)![1]!;
  return block.split('\n').filter((l) => l.trim() && !l.trim().startsWith('#'));
}

describe("README's two commands", () => {
  it('are the ones this test knows', () => {
    const [first, second] = topCommands();
    expect(topCommands()).toHaveLength(2);
    expect(first).toMatch(/^npm ci && /);
    expect(second).toBe('bash scripts/test-all.sh');
    expect(statSync(join(ROOT, 'scripts', 'test-all.sh')).isFile()).toBe(true);
    expect(readFileSync(join(ROOT, '.ci', 'run'), 'utf8')).toContain('bash scripts/test-all.sh');
  });

  it('the first one makes a keystore and an Ed25519 key, and signs "hello" with it', () => {
    const command = topCommands()[0]!.replace(/^npm ci && /, '');
    const dir = tempDir('owkms-readme-');
    try {
      // npx owkms is this repository's owkms; anything else npx would fetch is refused.
      const script = `npx() { if [ "$1" = owkms ]; then shift; "${process.execPath}" "${join(ROOT, 'bin', 'owkms.js')}" "$@"; else echo "npx $1 is not owkms" >&2; return 99; fi; }\n${command}`;
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, OWKMS_PASSPHRASE: 'readme passphrase' };
      const run = spawnSync('bash', ['--norc', '--noprofile', '-eo', 'pipefail', '-c', script], { cwd: dir, env, encoding: 'utf8', timeout: 120_000 });
      expect({ status: run.status, stderr: run.stderr }).toEqual({ status: 0, stderr: expect.not.stringContaining('owkms') });
      const signature = /^signature: ([A-Za-z0-9_-]+)$/m.exec(run.stdout)?.[1];
      expect(signature, run.stdout).toBeDefined();
      expect(existsSync(join(dir, 'my-keystore', 'keystore.sqlite'))).toBe(true);
      const list = spawnSync(process.execPath, [join(ROOT, 'bin', 'owkms.js'), '--store', join(dir, 'my-keystore'), '--json', 'keys', 'list'], { env, encoding: 'utf8' });
      const [key] = (JSON.parse(list.stdout) as { keys: Array<{ label: string; algorithm: string; publicKey: { jwk: object } }> }).keys;
      expect(key).toMatchObject({ label: 'first', algorithm: 'ed25519' });
      const publicKey = createPublicKey({ key: key!.publicKey.jwk as never, format: 'jwk' });
      expect(verify(null, Buffer.from('hello'), publicKey, Buffer.from(signature!, 'base64url'))).toBe(true);
    } finally {
      removeDir(dir);
    }
  }, 180_000);
});
