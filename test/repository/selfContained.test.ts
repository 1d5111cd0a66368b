// The repository needs nothing beside it (issue 9): no text file names a path that leaves the root, the Wycheproof
// vectors the tests read are in test/vectors with their licence and match the digests their README gives.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain ES module shared with eslint.config.js (no type declarations)
import { pathsOutsideRepo, readText, repoFiles } from '../../scripts/repoPaths.mjs';

type Finding = { line: number; path: string; reason: string };
const check = pathsOutsideRepo as (file: string, text: string) => Finding[];
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const VECTORS = join(ROOT, 'test', 'vectors', 'wycheproof');

// Built from pieces so that this file does not itself name a path outside the repository.
const UP = '..' + '/';
const Q = "'";
const WORK = '/' + 'work';
const HOME = '/' + 'home';

describe('no path leaves the repository', () => {
  it('holds for every text file of the repository (code, scripts, config, docs)', () => {
    const files = (repoFiles as (root: string) => string[])(ROOT);
    expect(files.length).toBeGreaterThan(100);
    expect(files).toContain('README.md');
    expect(files).toContain('scripts/test-all.sh');
    const findings: string[] = [];
    for (const file of files) {
      const text = (readText as (root: string, file: string) => string | undefined)(ROOT, file);
      if (text === undefined) continue;
      for (const f of check(file, text)) findings.push(`${file}:${f.line}: ${f.path} (${f.reason})`);
    }
    expect(findings).toEqual([]);
  });

  it('catches the ways a path leaves: URL and string paths, join segments, absolute machine paths, any language', () => {
    const bad: Array<[string, string]> = [
      ['test/kms-process/algorithms/wycheproof.ts', `new URL(${Q}${UP.repeat(4)}shared/vectors/wycheproof/${Q}, import.meta.url)`],
      ['test/a/b/c/d.test.ts', `readFileSync(${Q}./${UP.repeat(5)}shared/x.json${Q})`],
      ['test/helpers/x.ts', `join(here, ${Q}..${Q}, ${Q}..${Q}, ${Q}..${Q}, 'shared')`],
      ['bench/run.ts', `import data from ${Q}${UP.repeat(2)}other-project/data.js${Q};`],
      ['scripts/test-all.sh', `cp -r ${UP.repeat(2)}shared/vectors test/`],
      ['README.md', `vectors (\`${UP}shared/vectors/wycheproof/\`)`],
      ['vitest.config.ts', `setupFiles: ['${WORK}/shared/setup.ts']`],
      ['test/x.test.ts', `const f = "${HOME}/someone/vectors.json";`],
      ['.ci/run', `cd ${UP}sibling && make`],
      ['test/x.test.ts', `const win = 'C:\\\\Users\\\\me\\\\vectors';`],
      ['package.json', `"pretest": "node ${UP}tools/fetch.js"`],
    ];
    for (const [file, text] of bad) expect({ file, text, found: check(file, text).length > 0 }).toEqual({ file, text, found: true });
  });

  it('lets paths that stay inside pass', () => {
    const good: Array<[string, string]> = [
      ['test/cli/owkms.test.ts', `new URL(${Q}${UP.repeat(2)}bin/owkms.js${Q}, import.meta.url)`],
      ['test/helpers/owkms.ts', `join(dirname(f), ${Q}..${Q}, ${Q}..${Q}, 'bin', 'owkms.js')`],
      ['kms-process/client/kmsHost.ts', `import { x } from ${Q}${UP}api/index.js${Q};`],
      ['scripts/test-all.sh', 'cd "$(dirname "$0")/.."'],
      ['native/install.mjs', `join(dirname(process.execPath), ${Q}..${Q}, 'lib')`],
      ['test/services/swtpm.ts', `spawn('/usr/bin/swtpm', ['socket']); const tmp = '/tmp/x'; const dev = '/dev/tpmrm0';`],
      ['README.md', 'the store is `~/.config/OpenWallet Desktop/keystore` on Linux'],
    ];
    for (const [file, text] of good) expect({ file, text, found: check(file, text) }).toEqual({ file, text, found: [] });
  });
});

describe('the Wycheproof vectors in test/vectors/wycheproof', () => {
  const readme = readFileSync(join(VECTORS, 'README.md'), 'utf8');

  it('name their upstream commit and carry its licence', () => {
    expect(readme).toContain('C2SP/wycheproof');
    expect(readme).toContain('testvectors_v1/');
    expect(readme).toMatch(/commit `[0-9a-f]{40}`/);
    expect(readFileSync(join(VECTORS, 'LICENSE'), 'utf8')).toContain('Apache License');
  });

  it('match the SHA-256 digests the README lists, one for each file and a file for each digest', () => {
    const listed = new Map([...readme.matchAll(/^\| `([\w.-]+\.json)` \| `([0-9a-f]{64})` \|$/gm)].map((m) => [m[1]!, m[2]!]));
    const present = readdirSync(VECTORS).filter((f) => f.endsWith('.json')).sort();
    expect([...listed.keys()].sort()).toEqual(present);
    for (const [file, digest] of listed) {
      expect({ file, digest: createHash('sha256').update(readFileSync(join(VECTORS, file))).digest('hex') }).toEqual({ file, digest });
    }
  });

  it('hold every vector file a test names', () => {
    const named = new Set<string>();
    for (const file of (repoFiles as (root: string) => string[])(ROOT).filter((f) => f.startsWith('test/') && f.endsWith('.ts'))) {
      for (const m of readFileSync(join(ROOT, file), 'utf8').matchAll(/['"`]([a-z0-9_]+_test\.json)['"`]/g)) named.add(m[1]!);
    }
    expect(named.size).toBeGreaterThanOrEqual(10);
    for (const name of named) expect({ name, present: existsSync(join(VECTORS, name)) }).toEqual({ name, present: true });
  });
});
