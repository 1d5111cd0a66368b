// Lint: TypeScript rules, and the process boundaries of DESIGN.md section 7 at error level.
import tseslint from 'typescript-eslint';

const KMS_INTERNALS = ['**/kms-process/*', '!**/kms-process/api', '!**/kms-process/client'];

/** Files in `files` may not import what `patterns` match (gitignore-style, on the import path). */
function boundary(files, patterns, message) {
  return { files, rules: { 'no-restricted-imports': ['error', { patterns: [{ group: patterns, message }] }] } };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'native/*/build/**', 'bench/out/**'] },
  ...tseslint.configs.recommended,
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
  // The local key service: owkms agent and the desktop app's main both run it, so it may use no more than they may.
  boundary(['agent/**'], [...KMS_INTERNALS, '**/renderer/**', '**/main/**', '**/cli/**', 'electron'],
    'the agent reaches the KMS only through kms-process/api and kms-process/client (main and cli both import it)'),
  boundary(['kms-process/**'], ['**/main/**', '**/renderer/**', '**/cli/**', '**/agent/**', 'electron'],
    'the KMS does not import the app, the UI or the CLI (and loads electron only through process.parentPort)'),
  boundary(['kms-process/api/**'], ['**/kms-process/*', '!**/kms-process/api', 'node:*', 'better-sqlite3', 'pkcs11js'],
    'the protocol contract is imported by the renderer: it depends on nothing but itself and zod'),
);
