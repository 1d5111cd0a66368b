// Lint: TypeScript rules, and the process boundaries of DESIGN.md section 7 at error level.
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import tseslint from 'typescript-eslint';
import { noPathOutsideRepo } from './scripts/repoPaths.mjs';

const ROOT = dirname(fileURLToPath(import.meta.url));

const KMS_INTERNALS = ['**/kms-process/*', '!**/kms-process/api', '!**/kms-process/client'];

/** Files in `files` may not import what `patterns` match (gitignore-style, on the import path) nor the modules `names`. */
function boundary(files, patterns, message, names = []) {
  return {
    files,
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }], paths: names.map((name) => ({ name, message })) }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/*/build/**', 'bench/out/**', 'test-results/**', 'release/**'] },
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
  // The renderer imports the protocol's types and the bridge's types (main/preload/walletApi, type-only: erased at
  // build), nothing else of main, no electron, no Node.
  {
    files: ['renderer/**'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/main/**', '!**/main/preload/walletApi*', '**/cli/**', '**/kms-process/*', '!**/kms-process/api', 'electron', 'node:*', 'playwright-core'],
              message: 'the renderer is untrusted: it imports only the wallet API types (kms-process/api, main/preload/walletApi)',
            },
            { group: ['**/main/preload/walletApi*'], allowTypeImports: true, message: 'the renderer may import the bridge types only (import type)' },
          ],
        },
      ],
    },
  },
  boundary(['main/**', 'cli/**'], [...KMS_INTERNALS, '**/renderer/**'],
    'main and cli reach the KMS only through kms-process/api and kms-process/client'),
  // The local key service: owkms agent and the desktop app's main both run it, so it may use no more than they may.
  boundary(['agent/**'], [...KMS_INTERNALS, '**/renderer/**', '**/main/**', '**/cli/**', 'electron'],
    'the agent reaches the KMS only through kms-process/api and kms-process/client (main and cli both import it)'),
  // main/core decides and is tested under plain Node: no Electron, no browser driver, no shell of its own.
  boundary(['main/core/**'], [...KMS_INTERNALS, '**/renderer/**', '**/main/electron/**', '**/main/preload/**', '**/main/chromium/**'],
    'main/core is Electron-free and imports neither shell (DESIGN.md section 7)', ['electron', 'playwright-core']),
  // Preloads run sandboxed: only electron's renderer modules, the wire contract and the allowlist, no Node.
  boundary(['main/preload/**'], [...KMS_INTERNALS, '**/renderer/**', 'node:*', 'playwright-core', '**/main/electron/**', '**/main/chromium/**', '**/main/core/*', '!**/main/core/wire*', '!**/main/core/uiAllowlist*'],
    'a sandboxed preload imports electron, main/core/wire, main/core/uiAllowlist and api types only'),
  // The Chromium shell runs under plain Node, where require('electron') would try to download a binary.
  boundary(['main/chromium/**'], [...KMS_INTERNALS, '**/renderer/**', '**/main/preload/**'],
    'main/chromium runs under plain Node: no electron (the page gets the shim through the bundler)', ['electron']),
  boundary(['kms-process/**'], ['**/main/**', '**/renderer/**', '**/cli/**', '**/agent/**', 'electron'],
    'the KMS does not import the app, the UI or the CLI (and loads electron only through process.parentPort)'),
  boundary(['kms-process/api/**'], ['**/kms-process/*', '!**/kms-process/api', 'node:*', 'better-sqlite3', 'pkcs11js'],
    'the protocol contract is imported by the renderer: it depends on nothing but itself and zod'),
);
