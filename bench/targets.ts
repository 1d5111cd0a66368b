// The targets as pass/fail lines with the measured ratio (reported, never asserted by unit tests).
import type { BenchResults, OpResult } from './results.js';
import { tidy } from './results.js';

export interface TargetLine {
  pass: boolean;
  text: string;
}

const RATIO_OPS = ['ed25519.sign', 'p256.sign'];
/** What one request may add to the in-process time (the bare fork round trip here is about 40 us). */
const SEQ_ALLOWANCE_US = 60;

function atLeast(what: string, value: number, factor: number, base: string, baseValue: number): TargetLine {
  const ratio = value / baseValue;
  return {
    pass: ratio >= factor,
    text: `${what} ${tidy(value)} >= ${factor} x ${base} ${tidy(baseValue)} (ratio ${ratio.toFixed(2)})`,
  };
}

function seqLine(o: OpResult, field: 'kms_seq_p50_us' | 'kms_stdio_seq_p50_us', rttUs: number): TargetLine {
  const rawUs = 1e6 / o.raw_ops_s;
  const bound = rawUs + SEQ_ALLOWANCE_US;
  const p50 = o[field];
  return {
    pass: p50 <= bound,
    text:
      `${o.op} ${field} ${tidy(p50)} <= raw ${tidy(rawUs)} us + ${SEQ_ALLOWANCE_US} us = ${tidy(bound)} (ratio ${(p50 / bound).toFixed(2)}, ` +
      `overhead ${tidy(p50 - rawUs)} us; bare fork round trip this run ${tidy(rttUs)} us, so ${tidy(p50 - rawUs - rttUs)} us is the KMS's own)`,
  };
}

export function evaluateTargets(r: BenchResults): TargetLine[] {
  const lines: TargetLine[] = [];
  for (const o of r.ops.filter((x) => RATIO_OPS.includes(x.op))) {
    lines.push(atLeast(`${o.op} kms_batch_ops_s`, o.kms_batch_ops_s, 0.9, 'raw_ops_s', o.raw_ops_s));
    lines.push(atLeast(`${o.op} kms_pipelined_ops_s`, o.kms_pipelined_ops_s, 0.75, 'raw_ops_s', o.raw_ops_s));
  }
  for (const o of r.ops) {
    lines.push(seqLine(o, 'kms_seq_p50_us', r.baseline_fork_rtt_p50_us));
    lines.push(seqLine(o, 'kms_stdio_seq_p50_us', r.baseline_fork_rtt_p50_us));
  }
  for (const o of r.ops) {
    if (o.softhsm_ops_s === null) continue;
    lines.push(atLeast(`${o.op} kms_pipelined_ops_s`, o.kms_pipelined_ops_s, 1.5, 'softhsm_ops_s', o.softhsm_ops_s));
    lines.push(atLeast(`${o.op} kms_batch_ops_s`, o.kms_batch_ops_s, 1.5, 'softhsm_ops_s', o.softhsm_ops_s));
    if (o.kms_pkcs11_ops_s !== null) lines.push(atLeast(`${o.op} kms_pkcs11_ops_s`, o.kms_pkcs11_ops_s, 0.8, 'softhsm_ops_s', o.softhsm_ops_s));
  }
  const small = r.scale[0];
  const large = r.scale.at(-1);
  if (small && large && large !== small) {
    for (const field of ['unlock_ms', 'first_sign_ms'] as const) {
      const ratio = large[field] / small[field];
      lines.push({
        pass: ratio <= 1.2,
        text: `${field} at ${large.keys} keys ${tidy(large[field])} <= 1.2 x at ${small.keys} keys ${tidy(small[field])} (ratio ${ratio.toFixed(2)})`,
      });
    }
  }
  lines.push({ pass: r.start_ms <= 300, text: `start_ms ${tidy(r.start_ms)} <= 300 (ratio ${(r.start_ms / 300).toFixed(2)})` });
  lines.push({ pass: r.rss_mb <= 150, text: `rss_mb with ${large?.keys ?? '?'} keys ${tidy(r.rss_mb)} <= 150 (ratio ${(r.rss_mb / 150).toFixed(2)})` });
  return lines;
}

export function formatTargets(lines: readonly TargetLine[]): string {
  const passed = lines.filter((l) => l.pass).length;
  return [...lines.map((l) => `${l.pass ? 'PASS' : 'FAIL'}  ${l.text}`), `${passed}/${lines.length} targets met`].join('\n');
}
