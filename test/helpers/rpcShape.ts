// Test helper: what a well-formed answer of the KMS looks like (DESIGN.md section 2), as one function that returns
// the problems it finds, so property tests can report the offending answer.
import { ERROR_KINDS, rpcCodeFor, type ErrorKind } from '../../kms-process/api/index.js';

const ERROR_DATA_MEMBERS = new Set(['kind', 'retryAfterMs', 'path', 'attemptsLeft']);
/** Standard JSON-RPC codes the envelope checks use before a kind's own code applies. */
const ENVELOPE_CODES = new Set([-32700, -32600]);

/** An empty list when `v` is a well-formed JSON-RPC 2.0 response; otherwise what is wrong with it. */
export function responseProblems(v: unknown): string[] {
  const problems: string[] = [];
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return ['not a JSON object'];
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o).sort();
  const hasResult = 'result' in o;
  const hasError = 'error' in o;
  if (hasResult === hasError) problems.push('needs exactly one of result and error');
  const expected = ['id', 'jsonrpc', hasError ? 'error' : 'result'].sort();
  if (keys.join(',') !== expected.join(',')) problems.push(`members ${keys.join(',')}`);
  if (o.jsonrpc !== '2.0') problems.push('jsonrpc is not "2.0"');
  const id = o.id;
  if (!(id === null || typeof id === 'string' || (typeof id === 'number' && Number.isSafeInteger(id)))) problems.push('bad id');
  if (hasError) {
    const e = o.error as Record<string, unknown> | null;
    if (e === null || typeof e !== 'object') return [...problems, 'error is not an object'];
    if (typeof e.code !== 'number' || !Number.isInteger(e.code)) problems.push('error.code is not an integer');
    if (typeof e.message !== 'string' || e.message.length === 0) problems.push('error.message is not a non-empty string');
    const d = e.data as Record<string, unknown> | null;
    if (d === null || typeof d !== 'object') return [...problems, 'error.data is not an object'];
    if (!(ERROR_KINDS as readonly unknown[]).includes(d.kind)) problems.push(`error.data.kind ${String(d.kind)} is not an error kind`);
    else if (e.code !== rpcCodeFor(d.kind as ErrorKind) && !(d.kind === 'INVALID_REQUEST' && ENVELOPE_CODES.has(e.code as number))) {
      problems.push(`error.code ${String(e.code)} does not fit kind ${String(d.kind)}`);
    }
    for (const k of Object.keys(d)) if (!ERROR_DATA_MEMBERS.has(k)) problems.push(`unexpected error.data.${k}`);
    if (d.retryAfterMs !== undefined && (typeof d.retryAfterMs !== 'number' || d.retryAfterMs < 0)) problems.push('bad retryAfterMs');
    if (d.path !== undefined && typeof d.path !== 'string') problems.push('bad path');
  }
  return problems;
}

/** The kind of an error answer, or 'result'. */
export function answerKind(v: unknown): string {
  const o = v as { error?: { data?: { kind?: string } } };
  return o.error ? String(o.error.data?.kind) : 'result';
}
