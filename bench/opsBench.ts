// Every operation and every variant measured side by side: the in-process floor, the KMS over ipc (pipelined,
// batched, one at a time), the KMS over stdio, SoftHSM2 directly and SoftHSM2 through the KMS. Each round visits
// every operation and every variant in turn, so that a noisy neighbour (or a warming JIT) falls on all of them
// alike; figures are medians over rounds, latency percentiles are over all samples.
import { performance } from 'node:perf_hooks';
import type { ChannelClient } from '../kms-process/client/channelClient.js';
import { CpuTally } from './cpuTime.js';
import { generateKey, kmsOp, type KmsOp } from './kmsOps.js';
import type { OpCase } from './opCases.js';
import { prepareRawOp, type RawOp } from './rawOps.js';
import type { OpResult } from './results.js';
import type { BenchSettings } from './settings.js';
import type { SoftHsmDirect, SoftHsmOp } from './softhsmOps.js';
import { median, percentile, perSecond, type Run } from './timing.js';

/** Sequential calls per transport before switching to the other one. */
const SEQ_CHUNK = 10;

export interface OpsBenchSetup {
  ipc: ChannelClient;
  /** Process id of the ipc KMS child (for its CPU time). */
  ipcPid: number;
  stdio: ChannelClient;
  softhsm: SoftHsmDirect;
  /** Serial of the SoftHSM2 token the ipc KMS is logged in to. */
  tokenSerial: string;
}

/** CPU microseconds per operation: the in-process floor, and each side of the channel when going through the KMS. */
export interface CpuPerOp {
  op: string;
  raw: number;
  pipelined: { bench: number; kms: number };
  batch: { bench: number; kms: number };
}

interface Prepared {
  c: OpCase;
  raw: RawOp;
  ipc: KmsOp;
  stdio: KmsOp;
  softhsm: SoftHsmOp | undefined;
  token: KmsOp | undefined;
}

/** What the rounds gather for one operation. */
class Samples {
  readonly rate = { raw: [] as number[], pipelined: [] as number[], stdioPipelined: [] as number[], batched: [] as number[], softhsm: [] as number[], token: [] as number[] };
  readonly cpu = { raw: new CpuTally(), pipelined: new CpuTally(), batched: new CpuTally() };
  readonly seq: number[] = [];
  readonly stdioSeq: number[] = [];

  add(into: number[], r: Run): void {
    into.push(perSecond(r));
  }
}

async function prepare(c: OpCase, s: OpsBenchSetup): Promise<Prepared> {
  const token = c.onToken ? kmsOp(s.ipc, c, await generateKey(s.ipc, c, `pkcs11:${s.tokenSerial}`)) : undefined;
  return {
    c,
    raw: prepareRawOp(c),
    ipc: kmsOp(s.ipc, c, await generateKey(s.ipc, c)),
    stdio: kmsOp(s.stdio, c, await generateKey(s.stdio, c)),
    softhsm: s.softhsm.prepare(c),
    token,
  };
}

/** Every variant once, briefly: key caches, token handles and the JIT of each code path. */
async function warmUp(p: Prepared, st: BenchSettings): Promise<void> {
  const w = st.warmupMs;
  p.raw.run(w);
  await p.ipc.pipelined(w, st.inflight);
  await p.ipc.batched(0, 16);
  await p.ipc.sequentialUs(50, w);
  await p.stdio.pipelined(w, st.inflight);
  await p.stdio.sequentialUs(50, w);
  p.softhsm?.run(w);
  await p.token?.pipelined(w, st.inflight);
}

/**
 * A fresh KMS child runs its request path cold (V8 compiles and optimises it as it goes). Both children first
 * serve a while of every request shape on a throw-away key, so that no operation pays for that alone.
 */
async function warmUpChildren(c: OpCase, s: OpsBenchSetup, st: BenchSettings): Promise<void> {
  for (const client of [s.ipc, s.stdio]) {
    const op = kmsOp(client, c, await generateKey(client, c));
    await op.pipelined(st.childWarmupMs, st.inflight);
    await op.batched(st.childWarmupMs / 2, st.batchItems);
    await op.sequentialUs(Number.MAX_SAFE_INTEGER, st.childWarmupMs / 2);
  }
}

async function round(p: Prepared, m: Samples, pid: number, st: BenchSettings): Promise<void> {
  const t = st.throughputMs;
  m.add(m.rate.raw, await m.cpu.raw.measure(undefined, () => p.raw.run(t)));
  m.add(m.rate.pipelined, await m.cpu.pipelined.measure(pid, () => p.ipc.pipelined(t, st.inflight)));
  m.add(m.rate.batched, await m.cpu.batched.measure(pid, () => p.ipc.batched(t, st.batchItems)));
  m.add(m.rate.stdioPipelined, await p.stdio.pipelined(t, st.inflight));
  if (p.softhsm) m.add(m.rate.softhsm, p.softhsm.run(t));
  if (p.token) m.add(m.rate.token, await p.token.pipelined(t, st.inflight));
  // The two transports alternate every few calls, so that both see the same moments of the machine.
  const deadline = performance.now() + 2 * st.seqMs;
  for (let done = 0; done < st.seqSamples && (done === 0 || performance.now() < deadline); done += SEQ_CHUNK) {
    m.seq.push(...(await p.ipc.sequentialUs(SEQ_CHUNK, Infinity)));
    m.stdioSeq.push(...(await p.stdio.sequentialUs(SEQ_CHUNK, Infinity)));
  }
}

function summarize(p: Prepared, m: Samples): { result: OpResult; cpu: CpuPerOp } {
  const pipelined = m.cpu.pipelined.perOpUs();
  const batched = m.cpu.batched.perOpUs();
  return {
    result: {
      op: p.c.op,
      raw_ops_s: median(m.rate.raw),
      kms_seq_p50_us: percentile(m.seq, 50),
      kms_seq_p99_us: percentile(m.seq, 99),
      kms_stdio_seq_p50_us: percentile(m.stdioSeq, 50),
      kms_pipelined_ops_s: median(m.rate.pipelined),
      kms_stdio_pipelined_ops_s: median(m.rate.stdioPipelined),
      kms_batch_ops_s: median(m.rate.batched),
      softhsm_ops_s: p.softhsm ? median(m.rate.softhsm) : null,
      kms_pkcs11_ops_s: p.token ? median(m.rate.token) : null,
    },
    cpu: {
      op: p.c.op,
      raw: m.cpu.raw.perOpUs().own,
      pipelined: { bench: pipelined.own, kms: pipelined.child },
      batch: { bench: batched.own, kms: batched.child },
    },
  };
}

export async function measureOps(
  cases: readonly OpCase[],
  s: OpsBenchSetup,
  st: BenchSettings,
  log: (line: string) => void,
): Promise<{ results: OpResult[]; cpu: CpuPerOp[] }> {
  const prepared: Prepared[] = [];
  for (const c of cases) prepared.push(await prepare(c, s));
  log(`keys made in-process, in both KMS children, on the token and directly on SoftHSM2; warming up`);
  await warmUpChildren(cases[0]!, s, st);
  for (const p of prepared) await warmUp(p, st);
  const samples = prepared.map(() => new Samples());
  for (let r = 0; r < st.rounds; r++) {
    for (const [i, p] of prepared.entries()) await round(p, samples[i]!, s.ipcPid, st);
    log(`round ${r + 1} of ${st.rounds} done`);
  }
  const out = prepared.map((p, i) => summarize(p, samples[i]!));
  return { results: out.map((o) => o.result), cpu: out.map((o) => o.cpu) };
}
