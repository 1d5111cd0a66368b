// The shape of bench/results.json (issues 6 and 17) and the tables printed from it.
import type { Machine } from './machine.js';
import type { CpuPerOp } from './opsBench.js';
import type { ScaleRow } from './scale.js';

export interface OpResult {
  op: string;
  raw_ops_s: number;
  kms_seq_p50_us: number;
  kms_seq_p99_us: number;
  /** The same one-at-a-time round trip over the stdio transport (`owkms rpc`). */
  kms_stdio_seq_p50_us: number;
  kms_pipelined_ops_s: number;
  /** 64 in flight over the stdio transport (`owkms rpc`: one line per message, no coalescing). */
  kms_stdio_pipelined_ops_s: number;
  kms_batch_ops_s: number;
  /** null where SoftHSM2 lacks the algorithm. */
  softhsm_ops_s: number | null;
  /** null where the KMS cannot put the algorithm on a token. */
  kms_pkcs11_ops_s: number | null;
}

export interface BenchResults {
  machine: Machine;
  ops: OpResult[];
  scale: ScaleRow[];
  start_ms: number;
  rss_mb: number;
  /** A child Node process echoing each message over the KMS's own fd 3 transport, same run: the floor under kms_seq_p50_us. */
  baseline_fork_rtt_p50_us: number;
  /** KMS CPU per request minus the in-process CPU of the same operation (what the KMS adds around the crypto). */
  cpu: Array<{ op: string; raw_us: number; pipelined_outside_us: number; batch_outside_us: number }>;
  /** A sign from the renderer through the broker to the KMS and back (Chromium harness), beside the direct call. */
  app_path?: AppPath;
  /** 1, 5 and 15 minute load averages when the run ended (other processes share the machine). */
  load_average?: string;
  date?: string;
}

export interface AppPath {
  n: number;
  rows: Array<{ path: string; p50_us: number; p99_us: number }>;
}

/** Round to a precision that keeps the JSON readable (three significant figures, whole numbers above 1000). */
export function tidy(x: number): number {
  if (!Number.isFinite(x)) return x;
  if (Math.abs(x) >= 1000) return Math.round(x);
  return Number(x.toPrecision(3));
}

function cell(x: number | null): string {
  return x === null ? '-' : String(tidy(x));
}

const OP_COLUMNS: Array<[string, keyof OpResult]> = [
  ['op', 'op'],
  ['raw/s', 'raw_ops_s'],
  ['seq p50 us', 'kms_seq_p50_us'],
  ['seq p99 us', 'kms_seq_p99_us'],
  ['stdio p50 us', 'kms_stdio_seq_p50_us'],
  ['pipelined/s', 'kms_pipelined_ops_s'],
  ['stdio pipe/s', 'kms_stdio_pipelined_ops_s'],
  ['batch/s', 'kms_batch_ops_s'],
  ['softhsm/s', 'softhsm_ops_s'],
  ['kms pkcs11/s', 'kms_pkcs11_ops_s'],
];

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(header), rule, ...rows.map(line)].join('\n');
}

/** Markdown tables (they read in a terminal and paste into the README as they are). */
export function formatResults(r: BenchResults): string {
  const m = r.machine;
  const ops = table(
    OP_COLUMNS.map(([h]) => h),
    r.ops.map((o) => OP_COLUMNS.map(([, k]) => (k === 'op' ? o.op : cell(o[k] as number | null)))),
  );
  const scale = table(
    ['keys', 'unlock ms', 'first sign ms', 'keys.list page ms', 'first page ms'],
    r.scale.map((s) => [String(s.keys), cell(s.unlock_ms), cell(s.first_sign_ms), cell(s.list_page_ms), cell(s.first_list_page_ms)]),
  );
  const app = r.app_path
    ? ['', `App path, ed25519 crypto.sign one at a time (${r.app_path.n} calls per path):`, table(['path', 'p50 us', 'p99 us'], r.app_path.rows.map((x) => [x.path, cell(x.p50_us), cell(x.p99_us)]))]
    : [];
  return [
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memGb} GB, Node ${m.node}, ${m.os}${r.load_average ? `; load average ${r.load_average}` : ''}`,
    '',
    ops,
    '',
    scale,
    '',
    `KMS start to first answer: ${cell(r.start_ms)} ms; KMS RSS with ${r.scale.at(-1)?.keys ?? '?'} keys: ${cell(r.rss_mb)} MB; ` +
      `bare round trip over the KMS's fd 3 transport (same run): ${cell(r.baseline_fork_rtt_p50_us)} us`,
    ...app,
  ].join('\n');
}

/** The load-independent companion table: CPU microseconds per operation on each side (not part of results.json). */
export function formatCpu(rows: readonly CpuPerOp[]): string {
  const us = (x: number) => (Number.isFinite(x) ? x.toFixed(1) : '-');
  return [
    'CPU time per operation, us (user+system; the KMS side from /proc at 10 ms resolution, summed over all rounds):',
    table(
      ['op', 'raw', 'pipelined: KMS', 'pipelined: bench', 'batch: KMS', 'batch: bench'],
      rows.map((r) => [r.op, us(r.raw), us(r.pipelined.kms), us(r.pipelined.bench), us(r.batch.kms), us(r.batch.bench)]),
    ),
  ].join('\n');
}
