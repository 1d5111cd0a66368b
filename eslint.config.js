// Lint: TypeScript rules, and the process boundaries of DESIGN.md section 7 at error level.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { noPathOutsideRepo } from './scripts/repoPaths.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));

const KMS_INTERNALS = ['**/kms-process/*', '!**/kms-process/api', '!**/kms-process/client'];

/** Files in `files` may not import what `patterns` match (gitignore-style, on the import path). */
function boundary(files, patterns, message) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/tpm2/build/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
  {
    // The repository needs nothing beside it: no path may leave it (the test in test/repository also scans non-JS files).
    plugins: { repo: { rules: { 'no-path-outside-repo': noPathOutsideRepo(ROOT) } } },
    rules: { 'repo/no-path-outside-repo': 'error' },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  boundary(['renderer/**'], ['**/main/**', '**/cli/**', '**/kms-process/*', '!**/kms-process/api', 'electron', 'node:*'],
    'the renderer is untrusted: it imports only the wallet API types (kms-process/api)'),
  boundary(['main/**', 'cli/**'], [...KMS_INTERNALS, '**/renderer/**'],
    'main and cli reach the KMS only through kms-process/api and kms-process/client'),
  boundary(['kms-process/**'], ['**/main/**', '**/renderer/**', '**/cli/**', 'electron'],
    'the KMS does not import the app, the UI or the CLI (and loads electron only through process.parentPort)'),
  boundary(['kms-process/api/**'], ['**/kms-process/*', '!**/kms-process/api', 'node:*', 'better-sqlite3', 'pkcs11js'],
    'the protocol contract is imported by the renderer: it depends on nothing but itself and zod'),
);
