// The repository needs nothing beside it (issue 9): finds paths in source, script, config and documentation text
// that leave the repository root. Used by the lint rule `repo/no-path-outside-repo` (eslint.config.js) and by
// test/repository/selfContained.test.ts, which scans every text file the repository holds, whatever its language.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative, sep } from 'node:path';

/** Folders that are not the project's own text (installed, built or generated) or are data (vectors). */
/** The start of a path that went up from the root. */
const UP = '..' + '/';

const SKIPPED_DIRS = new Set(['.git', 'node_modules', 'dist', '.vitest-tmp', 'build', 'test-results']);
const SKIPPED_PATHS = [/^test\/vectors\//, /^package-lock\.json$/, /^bench\/out\//];

/**
 * A path relative to something that begins by going up, with a slash or a backslash, after optional `./` segments.
 * Not preceded by a character that would make it the middle of a longer path, which this check cannot resolve.
 */
const RELATIVE = /(?<![\w.~/\\$@-])((?:\.\/)*\.\.[/\\][^\s'"`)\]},;<>|*]*)/g;
/** What precedes a path read from the file's own folder: an import or require, or a URL against import.meta.url. */
const FILE_RELATIVE_BEFORE = /(?:\bfrom\s+|\bimport\s*\(?\s*|\brequire\s*\(\s*|\bexport\s+\*\s+from\s+)['"`]$/;
const FILE_RELATIVE_LINE = /import\.meta\.url|import\.meta\.dirname|__dirname|\$\(dirname "\$0"\)|\$\{BASH_SOURCE/;
/** A run of separate parent segments, as path.join / path.resolve take them (dot-dot strings between commas). */
const SEGMENTS = /(?:(['"])\.\.\1\s*,\s*)*(['"])\.\.\2/g;
/** Absolute paths into places that exist on one machine only: home folders, the work and mount points. */
const MACHINE = /(?<![\w.~-])(?:file:\/\/)?\/(?:work|home|root|Users|mnt|media)(?=[/'"`\s)]|$)|\b[A-Za-z]:\\\\?Users\b/g;

/** The folder of `file` (repository-relative, forward slashes), as path segments. */
function depthOf(file) {
  const dir = posix.dirname(file);
  return dir === '.' ? 0 : dir.split('/').length;
}

function lineOf(text, index) {
  let line = 1;
  for (let i = 0; i < index; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * Every path in `text` (the contents of repository file `file`) that leaves the repository root, read relative to the
 * file's own folder (the most lenient reading: relative to the root, as a script run from there reads it, any `..`
 * leaves), and every absolute path into a home, work or mount folder.
 * @param {string} file repository-relative path with forward slashes
 * @param {string} text
 * @returns {Array<{ line: number, path: string, reason: string }>}
 */
export function pathsOutsideRepo(file, text) {
  const found = [];
  const dir = posix.dirname(file);
  const markdown = /\.md$/i.test(file);
  for (const m of text.matchAll(RELATIVE)) {
    const path = m[1].replace(/\\/g, '/');
    const lineStart = text.lastIndexOf('\n', m.index) + 1;
    const before = text.slice(lineStart, m.index);
    const lineText = text.slice(lineStart, text.indexOf('\n', m.index) === -1 ? undefined : text.indexOf('\n', m.index));
    // Module specifiers, URLs made against the module's own URL and Markdown links are read from the file's folder;
    // any other path is read from the working directory, which is the root for npm scripts, tests and scripts/.
    const fromFile = markdown || FILE_RELATIVE_BEFORE.test(before) || FILE_RELATIVE_LINE.test(lineText);
    const base = fromFile ? dir : '.';
    const resolved = posix.normalize(posix.join(base, path));
    if (resolved === '..' || resolved.startsWith(UP)) {
      found.push({ line: lineOf(text, m.index), path: m[1], reason: `resolves to ${resolved} from ${base === '.' ? 'the root' : `${base}/`}, outside the repository` });
    }
  }
  const depth = depthOf(file);
  for (const m of text.matchAll(SEGMENTS)) {
    const ups = (m[0].match(/\.\./g) ?? []).length;
    if (ups > depth) found.push({ line: lineOf(text, m.index), path: m[0], reason: `${ups} '..' segments from ${dir}/ (depth ${depth}) leave the repository` });
  }
  for (const m of text.matchAll(MACHINE)) {
    found.push({ line: lineOf(text, m.index), path: m[0], reason: 'an absolute path that exists on one machine only' });
  }
  return found;
}

function isSkipped(rel) {
  return rel.split('/').some((part) => SKIPPED_DIRS.has(part)) || SKIPPED_PATHS.some((re) => re.test(rel));
}

function walk(root, dir, out) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    const rel = relative(root, full).split(sep).join('/');
    if (isSkipped(rel)) continue;
    if (entry.isDirectory()) walk(root, full, out);
    else if (entry.isFile()) out.push(rel);
  }
}

/**
 * The repository's files: tracked and not-ignored untracked files from git where there is a checkout, else every
 * file under the root; without installed, built and data folders.
 * @param {string} root
 * @returns {string[]}
 */
export function repoFiles(root) {
  let files;
  try {
    const out = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    files = out.split('\0').filter((f) => f.length > 0);
  } catch {
    files = [];
    walk(root, root, files);
  }
  return [...new Set(files)].filter((f) => !isSkipped(f) && statSync(join(root, f), { throwIfNoEntry: false })?.isFile());
}

/** Text files only: a NUL byte in the first 8 KiB marks a binary file. */
export function readText(root, file) {
  const bytes = readFileSync(join(root, file));
  if (bytes.subarray(0, 8192).includes(0)) return undefined;
  return bytes.toString('utf8');
}

/**
 * The ESLint rule: the same check on each linted file's whole text.
 * @param {string} root the repository root (the folder of eslint.config.js)
 */
export const noPathOutsideRepo = (root) => ({
  meta: {
    type: 'problem',
    docs: { description: 'no path that leaves the repository: the repository needs nothing beside it' },
    schema: [],
  },
  create(context) {
    return {
      Program() {
        const rel = relative(root, context.filename).split(sep).join('/');
        if (rel.startsWith(UP) || isSkipped(rel)) return;
        for (const f of pathsOutsideRepo(rel, context.sourceCode.text)) {
          context.report({ loc: { line: f.line, column: 0 }, message: `'${f.path}' ${f.reason}: copy what the project needs into it` });
        }
      },
    };
  },
});
