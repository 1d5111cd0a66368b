// How owkms prints: `--json` gives exactly one JSON value on stdout (the result, or {"error": ...}); without it,
// text for people.
import type { KmsError } from '../kms-process/api/index.js';

let stdoutGone = false;

/**
 * A reader that went away (`owkms keys list | head -1`) makes the next write fail with EPIPE, which Node reports as an
 * 'error' event: without a listener, an uncaught exception and a stack trace. owkms stops writing there instead, as
 * command-line tools do, and keeps the exit code of what it did.
 */
export function guardOutputPipes(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (stream === process.stdout) stdoutGone = true;
      if (e.code !== 'EPIPE' && e.code !== 'ERR_STREAM_DESTROYED' && stream === process.stdout) process.stderr.write(`owkms: stdout failed (${e.code ?? e.name})\n`);
    });
  }
}

/** Whether stdout's reader has gone (nothing more is worth writing). */
export function isStdoutGone(): boolean {
  return stdoutGone;
}

export function printResult(result: unknown, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + '\n');
    return;
  }
  process.stdout.write(human(result, '') + '\n');
}

export function printError(e: KmsError, json: boolean): void {
  if (json) process.stdout.write(JSON.stringify({ error: { kind: e.kind, message: e.message, ...extra(e) } }) + '\n');
  else {
    const hint = e.kind === 'CORRUPT' || e.kind === 'TAMPERED' ? '\n(owkms doctor says what is damaged and what can be saved)' : '';
    process.stderr.write(`owkms: ${e.message} [${e.kind}]${hint}\n`);
  }
}

function extra(e: KmsError): Record<string, unknown> {
  const { kind: _kind, ...rest } = e.data;
  return rest;
}

function human(v: unknown, indent: string): string {
  if (v === null || typeof v !== 'object') return String(v);
  if (Array.isArray(v)) {
    if (v.length === 0) return '(none)';
    return v.map((x) => `${indent}- ${human(x, indent + '  ').trimStart()}`).join('\n');
  }
  return Object.entries(v as Record<string, unknown>)
    .map(([k, x]) => (x !== null && typeof x === 'object' ? `${indent}${k}:\n${human(x, indent + '  ')}` : `${indent}${k}: ${String(x)}`))
    .join('\n');
}
