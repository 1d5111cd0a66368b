// Passphrases and PINs for owkms: from an environment variable, a file, or a prompt on the terminal without echo.
// Never from an argument (arguments are visible to every user through the process list).
import { openSync, readFileSync } from 'node:fs';
import { ReadStream } from 'node:tty';
import { KmsError } from '../kms-process/api/errors.js';

export interface SecretSource {
  env: string;
  file?: string | undefined;
  what: string;
}

function fromFile(path: string): string {
  try {
    return readFileSync(path, 'utf8').replace(/\r?\n$/, '');
  } catch (e) {
    throw new KmsError('INVALID_REQUEST', `cannot read the secret file (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** Read one line from the terminal with echo off. */
export function promptHidden(question: string): Promise<string> {
  let fd: number;
  try {
    fd = openSync(process.platform === 'win32' ? '\\\\.\\CONIN$' : '/dev/tty', 'r');
  } catch {
    return Promise.reject(new KmsError('INVALID_REQUEST', 'no terminal to ask on'));
  }
  const input = new ReadStream(fd);
  // Echo goes off before the question shows: an answer typed (or pasted) as soon as it appears is never echoed.
  input.setRawMode(true);
  process.stderr.write(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const done = (err?: KmsError) => {
      input.setRawMode(false);
      input.destroy();
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    input.on('data', (buf: Buffer) => {
      for (const ch of buf.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return done();
        if (ch === '\u0003') return done(new KmsError('INVALID_REQUEST', 'cancelled'));
        if (ch === '\u007f' || ch === '\b') value = [...value].slice(0, -1).join('');
        else if (ch >= ' ') value += ch;
      }
    });
  });
}

/** The secret from env, then file, then a prompt (confirmed twice when `confirm`). */
export async function readSecret(src: SecretSource, confirm = false): Promise<string> {
  const fromEnv = process.env[src.env];
  if (fromEnv) return fromEnv;
  if (src.file) return fromFile(src.file);
  let first: string;
  try {
    first = await promptHidden(`${src.what}: `);
  } catch {
    throw new KmsError('INVALID_REQUEST', `a ${src.what.toLowerCase()} is needed: set ${src.env}, pass a file, or run in a terminal`);
  }
  if (confirm && (await promptHidden(`${src.what} again: `)) !== first) {
    throw new KmsError('INVALID_REQUEST', `the two ${src.what.toLowerCase()}s differ`);
  }
  return first;
}

/** Whether a secret is available without asking (for commands whose stdin is data). */
export function secretGiven(src: SecretSource): boolean {
  return Boolean(process.env[src.env]) || Boolean(src.file);
}
