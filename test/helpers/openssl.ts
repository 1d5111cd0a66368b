// Test helper: the `openssl` command line (Debian package openssl), an implementation nobody here wrote, to make the
// keys and files users actually have. A missing openssl fails the test naming the package.
import { spawnSync } from 'node:child_process';

export function openssl(args: string[], stdin?: string | Uint8Array): Buffer {
  const r = spawnSync('openssl', args, { input: stdin, maxBuffer: 16 * 1024 * 1024 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') throw new Error('openssl is missing: install the Debian package openssl');
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed (${r.status}): ${r.stderr.toString().slice(0, 500)}`);
  return r.stdout;
}

/** PEM text from openssl, and the same key as DER. */
export function pemAndDer(pemArgs: string[], derArgs: string[]): { pem: Buffer; der: Buffer } {
  const pem = openssl(pemArgs);
  return { pem, der: openssl(derArgs, pem) };
}
