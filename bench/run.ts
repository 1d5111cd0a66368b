// `npm run bench [-- --quick] [-- --out FILE]`: the isolated KMS against in-process crypto and SoftHSM2, the
// keystore at scale, and the app path through the broker (issues 6 and 17). Prints the tables and every target as a
// PASS/FAIL line beside its baseline from the same run; writes results.json.
import { loadavg } from 'node:os';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { startSoftHsm } from '../test/services/softhsm.js';
import { defaultResultsPath } from './benchPaths.js';
import { initKms, startKms } from './kmsOps.js';
import { forkRoundTripP50 } from './forkBaseline.js';
import { measureAppPath } from './brokerLatency.js';
import { describeMachine } from './machine.js';
import { OP_CASES } from './opCases.js';
import { measureOps } from './opsBench.js';
import { formatCpu, formatResults, tidy, type BenchResults, type OpResult } from './results.js';
import { measureScale } from './scale.js';
import { settingsFor } from './settings.js';
import { SoftHsmDirect } from './softhsmOps.js';
import { evaluateTargets, formatTargets } from './targets.js';
import { median } from './timing.js';

const USAGE = 'usage: node dist/bench/run.js [--quick] [--out FILE]';

const began = performance.now();

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A progress line with the seconds since the start. */
function progress(line: string): void {
  log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(3)} s] ${line}`);
}

function tidyOp(o: OpResult): OpResult {
  const t = (x: number | null) => (x === null ? null : tidy(x));
  return {
    op: o.op,
    raw_ops_s: tidy(o.raw_ops_s),
    kms_seq_p50_us: tidy(o.kms_seq_p50_us),
    kms_seq_p99_us: tidy(o.kms_seq_p99_us),
    kms_stdio_seq_p50_us: tidy(o.kms_stdio_seq_p50_us),
    kms_pipelined_ops_s: tidy(o.kms_pipelined_ops_s),
    kms_stdio_pipelined_ops_s: tidy(o.kms_stdio_pipelined_ops_s),
    kms_batch_ops_s: tidy(o.kms_batch_ops_s),
    softhsm_ops_s: t(o.softhsm_ops_s),
    kms_pkcs11_ops_s: t(o.kms_pkcs11_ops_s),
  };
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } }, strict: true }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${USAGE}\n`);
    process.exit(64);
  }
  const settings = settingsFor(values.quick === true);
  const outPath = values.out ? resolve(values.out) : defaultResultsPath();
  const machine = describeMachine();
  const load = () => loadavg().map((x) => x.toFixed(2)).join(' ');
  log(`OpenWallet KMS benchmark${settings.quick ? ' (--quick)' : ''} on ${machine.cpu}, ${machine.cores} cores, Node ${machine.node}; load average ${load()}`);

  const work = await mkdtemp(join(tmpdir(), 'owkms-bench-'));
  const hsm = await startSoftHsm(['bench']); // sets SOFTHSM2_CONF, which KmsHost passes to the KMS children
  const token = hsm.tokens[0]!;
  let softhsm: SoftHsmDirect | undefined;
  const hosts: Array<{ stop(): Promise<void> }> = [];
  try {
    progress('operations (in-process, KMS over ipc and stdio, SoftHSM2 direct and through the KMS):');
    const ipc = await startKms(join(work, 'ops-ipc'));
    hosts.push(ipc);
    const stdio = await startKms(join(work, 'ops-stdio'), { transport: 'stdio' });
    hosts.push(stdio);
    await initKms(ipc.client);
    await initKms(stdio.client);
    await ipc.client.call('tokens.login', { token: token.serial, pin: token.pin });
    softhsm = SoftHsmDirect.open(hsm.modulePath, token);
    const ops = await measureOps(OP_CASES, { ipc: ipc.client, ipcPid: ipc.child!.pid!, stdio: stdio.client, softhsm, tokenSerial: token.serial }, settings, progress);
    await Promise.all(hosts.splice(0).map((h) => h.stop()));

    progress(`keystore at scale (${settings.scaleKeys.join(', ')} keys, ${settings.scaleRuns} fresh KMS children each):`);
    const scale = await measureScale(work, settings.scaleKeys, settings.scaleRuns, progress);

    progress('baseline: bare round trip over the fd 3 transport');
    const baseline = await forkRoundTripP50(settings.quick ? 2000 : 10000);
    progress(`app path: renderer -> broker -> KMS in the Chromium harness (${settings.appPathCalls} signs per path)`);
    const appPath = await measureAppPath(settings.appPathCalls);
    const results: BenchResults = {
      machine,
      ops: ops.results.map(tidyOp),
      scale: scale.rows.map((r) => ({ keys: r.keys, unlock_ms: tidy(r.unlock_ms), first_sign_ms: tidy(r.first_sign_ms), list_page_ms: tidy(r.list_page_ms), first_list_page_ms: tidy(r.first_list_page_ms) })),
      start_ms: tidy(median(scale.startMs)),
      rss_mb: tidy(scale.rssMb),
      baseline_fork_rtt_p50_us: tidy(baseline),
      cpu: ops.cpu.map((c) => ({
        op: c.op,
        raw_us: tidy(c.raw),
        pipelined_outside_us: tidy(c.pipelined.kms - c.raw),
        batch_outside_us: tidy(c.batch.kms - c.raw),
      })),
      app_path: appPath,
      load_average: load(),
      date: new Date().toISOString(),
    };
    await writeFile(outPath, `${JSON.stringify(results, null, 2)}\n`);
    log('');
    log(formatResults(results));
    log('');
    log(formatCpu(ops.cpu));
    log('');
    log(formatTargets(evaluateTargets(results)));
    log('');
    log(`wrote ${outPath} in ${((performance.now() - began) / 1000).toFixed(0)} s; load average at the end ${load()}`);
  } finally {
    softhsm?.close();
    await Promise.all(hosts.map((h) => h.stop()));
    await hsm.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
