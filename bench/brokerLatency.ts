// What a sign call costs through the desktop app's path, measured in one run against a direct KMS call:
//   direct     the KMS over its fork channel (KmsHost, caller test): the floor
//   supervisor main's supervisor -> KMS (caller ui)
//   broker     main's broker (frame check, rate limit, JSON copy, allowlist, result guard) -> supervisor -> KMS
//   page       renderer -> preload (over the shim) -> Playwright binding -> broker -> KMS -> back, timed in the page
//   page floor the same page -> binding -> Node round trip answered without the broker or KMS (the harness's own
//              transport, which Electron replaces with its IPC)
// Usage: npm run bench:broker [-- N]   (N sequential ed25519 signs per path, default 2000)
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { KmsHost } from '../kms-process/client/kmsHost.js';
import { ChromiumShell, SHELL_ORIGIN } from '../main/chromium/chromiumShell.js';
import { removeDir, tempDir } from '../test/helpers/kms.js';
import { describeMachine } from './machine.js';
import type { AppPath } from './results.js';
import { percentile } from './timing.js';

const WARMUP = 200;
const DATA = Buffer.from('a message of a typical size to sign, about sixty-four bytes long').toString('base64url');
const PASS = 'bench passphrase';

interface Row {
  path: string;
  p50_us: number;
  p99_us: number;
}

function row(path: string, us: number[]): Row {
  return { path, p50_us: Math.round(percentile(us, 50)), p99_us: Math.round(percentile(us, 99)) };
}

async function timeSeq(n: number, once: () => Promise<unknown>): Promise<number[]> {
  for (let i = 0; i < WARMUP; i++) await once();
  const us: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await once();
    us.push((performance.now() - t) * 1000);
  }
  return us;
}

/** Every path, `n` sequential signs each (interleaved in rounds); `npm run bench` calls this too. */
export async function measureAppPath(n: number): Promise<AppPath> {
  const N = n;
  const rows: Row[] = [];
  const directDir = tempDir('owkms-bench-direct-');
  const shellDir = tempDir('owkms-bench-shell-');
  const host = await KmsHost.start({ storeDir: directDir, callers: ['test'], stderr: 'pipe' });
  // No rate limit here: the bench measures the path, and sequential calls far exceed what a person does.
  const shell = await ChromiumShell.launch({ storeDir: shellDir, rateLimit: { burst: 1e9, perSecond: 1e9, maxInflight: 64 } });
  try {
    await host.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASS }] });
    const direct = await host.client.call('keys.generate', { algorithm: 'ed25519' });
    const sup = shell.core.supervisor;
    await sup.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASS }] }, 'app');
    const key = (await sup.call('keys.generate', { algorithm: 'ed25519' }, 'ui')) as { id: string };
    const top = { id: 'bench', frameUrl: `${SHELL_ORIGIN}/index.html`, isMainFrame: true };
    const page = await shell.openWallet();

    // Interleaved in rounds so a noisy neighbour hits every path alike.
    const samples: Record<string, number[]> = { direct: [], supervisor: [], broker: [], page: [], 'page floor': [] };
    const rounds = 4;
    for (let r = 0; r < rounds; r++) {
      const n = Math.ceil(N / rounds);
      samples.direct!.push(...(await timeSeq(n, () => host.client.call('crypto.sign', { id: direct.id, data: DATA }))));
      samples.supervisor!.push(...(await timeSeq(n, () => sup.call('crypto.sign', { id: key.id, data: DATA }, 'ui'))));
      samples.broker!.push(...(await timeSeq(n, () => shell.core.broker.handle(top, { method: 'crypto.sign', params: { id: key.id, data: DATA } }))));
      const pageRuns = (await page.evaluate(
        `(async () => {
          const sign = () => window.wallet.crypto.sign({ id: ${JSON.stringify(key.id)}, data: ${JSON.stringify(DATA)} });
          const floor = () => window.__owIpc('bench:noop', []);
          const time = async (fn) => { for (let i = 0; i < ${WARMUP}; i++) await fn(); const t = []; for (let i = 0; i < ${n}; i++) { const s = performance.now(); const r = await fn(); if (fn === sign && !r.ok) throw new Error(r.error.kind); t.push((performance.now() - s) * 1000); } return t; };
          return { page: await time(sign), floor: await time(floor) };
        })()`,
      )) as { page: number[]; floor: number[] };
      samples.page!.push(...pageRuns.page);
      samples['page floor']!.push(...pageRuns.floor);
    }
    for (const [path, us] of Object.entries(samples)) rows.push(row(path, us));
  } finally {
    await shell.close();
    await host.stop();
    removeDir(directDir);
    removeDir(shellDir);
  }
  return { n: N, rows };
}

async function main(): Promise<void> {
  const N = Number(process.argv[2] ?? 2000);
  const { rows } = await measureAppPath(N);
  const byPath = Object.fromEntries(rows.map((r) => [r.path, r]));
  const added = {
    broker_over_direct_p50_us: byPath.broker!.p50_us - byPath.direct!.p50_us,
    broker_over_supervisor_p50_us: byPath.broker!.p50_us - byPath.supervisor!.p50_us,
    page_over_direct_p50_us: byPath.page!.p50_us - byPath.direct!.p50_us,
    page_over_direct_p99_us: byPath.page!.p99_us - byPath.direct!.p99_us,
  };
  console.log(`ed25519 crypto.sign, ${N} sequential calls per path, p50/p99 in microseconds (${new Date().toISOString().slice(0, 10)})`);
  console.log('| path        | p50 us | p99 us |');
  console.log('|-------------|-------:|-------:|');
  for (const r of rows) console.log(`| ${r.path.padEnd(11)} | ${String(r.p50_us).padStart(6)} | ${String(r.p99_us).padStart(6)} |`);
  console.log(JSON.stringify(added));
  writeFileSync(join('bench', 'broker-results.json'), JSON.stringify({ date: new Date().toISOString(), machine: describeMachine(), n: N, rows, added }, null, 2) + '\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
