// Test helper: the compiled KMS entry spawned over stdio with nothing between the test and its byte streams, so a
// test can write any bytes (garbage, half messages, lone newlines, oversized lines) and read every answer line.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { CHANNEL_TOKEN_ENV, HELLO_METHOD } from '../../kms-process/api/index.js';
import { defaultEntry } from '../../kms-process/client/kmsHost.js';

export interface RawKms {
  child: ChildProcess;
  token: string;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Write bytes (or text) to the child's stdin exactly as given. */
  write(data: string | Uint8Array): void;
  /** Write one JSON value as one line. */
  send(value: unknown): void;
  /** The next answer line (parsed as JSON; a line that is not JSON fails the test that reads it). */
  next(timeoutMs?: number): Promise<unknown>;
  /** Send a request object and return the next answer. Only for one request at a time. */
  call(method: string, params?: unknown, id?: string | number | null, timeoutMs?: number): Promise<RawResponse>;
  /** The channel.hello with the right token (or another one). */
  hello(token?: string, callers?: string[]): Promise<RawResponse>;
  /** Answer lines not read yet. */
  unread(): number;
  /** Resolves when the child exits. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  alive(): boolean;
  stop(): Promise<void>;
}

export interface RawResponse {
  jsonrpc?: unknown;
  id?: unknown;
  result?: Record<string, unknown>;
  error?: { code: number; message: string; data: { kind: string; path?: string; retryAfterMs?: number } };
}

export function spawnRawKms(dir: string, options: { nodeFlags?: string[] } = {}): RawKms {
  const token = randomBytes(32).toString('base64url');
  const child = spawn(
    process.execPath,
    ['--disallow-code-generation-from-strings', ...(options.nodeFlags ?? []), defaultEntry(), '--store', dir, '--transport', 'stdio'],
    { env: { [CHANNEL_TOKEN_ENV]: token, HOME: process.env.HOME ?? '/tmp' }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin!.on('error', () => {}); // writes after the KMS closed its end: the test checks the exit instead
  let err = '';
  child.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));

  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  let partial = '';
  const decoder = new StringDecoder('utf8'); // an answer's multi-byte characters may straddle two chunks
  child.stdout!.on('data', (b: Buffer) => {
    partial += decoder.write(b);
    let nl: number;
    while ((nl = partial.indexOf('\n')) !== -1) {
      lines.push(partial.slice(0, nl));
      partial = partial.slice(nl + 1);
    }
    for (const w of waiters.splice(0)) w();
  });
  let exitedState: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      exitedState = { code, signal };
      for (const w of waiters.splice(0)) w();
      resolve(exitedState);
    }),
  );

  const next = async (timeoutMs = 10_000): Promise<unknown> => {
    const deadline = Date.now() + timeoutMs;
    while (lines.length === 0) {
      if (exitedState) throw new Error(`the KMS exited (${JSON.stringify(exitedState)}) before answering; stderr: ${err}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const line = lines.shift()!;
    try {
      return JSON.parse(line) as unknown;
    } catch {
      throw new Error(`the KMS wrote a line that is not JSON: ${line.slice(0, 200)}`);
    }
  };

  const write = (data: string | Uint8Array) => {
    child.stdin!.write(data);
  };
  const send = (value: unknown) => write(JSON.stringify(value) + '\n');
  let nextId = 1;
  const call = async (method: string, params?: unknown, id: string | number | null = nextId++, timeoutMs?: number) => {
    send({ jsonrpc: '2.0', id, method, ...(params === undefined ? {} : { params }) });
    return (await next(timeoutMs)) as RawResponse;
  };

  return {
    child,
    token,
    stderr: () => err,
    write,
    send,
    next,
    call,
    hello: (t = token, callers = ['test']) => call(HELLO_METHOD, { token: t, callers }),
    unread: () => lines.length,
    exited,
    alive: () => exitedState === undefined,
    stop: async () => {
      if (exitedState) return;
      child.stdin!.end();
      const t = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(t);
    },
  };
}
