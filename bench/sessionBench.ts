// CLI sessions (issue 16): N `owkms sign` commands one-shot (each spawns a KMS and unlocks it: Argon2id) against the
// same N commands with `owkms agent` running (each is a session over the agent's socket). Both run the real
// bin/owkms.js as a shell script would. `npm run bench:session [-- N]`; writes bench/session-results.json.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { packageRoot } from './benchPaths.js';

const root = packageRoot();
const BIN = join(root, 'bin', 'owkms.js');
const N = Number(process.argv[2] ?? 100);
const PASSPHRASE = 'session bench passphrase';

function owkms(args: string[], env: Record<string, string>, input = ''): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { env, input, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`owkms ${args.join(' ')} failed: ${r.stdout} ${r.stderr}`);
  return r.stdout;
}

function timeSigns(id: string, env: Record<string, string>): number[] {
  const times: number[] = [];
  for (let i = 0; i < N; i++) {
    const t0 = process.hrtime.bigint();
    owkms(['sign', id], env, `message ${i}`);
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  return times;
}

const stats = (t: number[]) => {
  const s = [...t].sort((a, b) => a - b);
  const total = t.reduce((a, b) => a + b, 0);
  return { total_s: +(total / 1000).toFixed(2), mean_ms: +(total / t.length).toFixed(1), p50_ms: +s[Math.floor(s.length / 2)]!.toFixed(1), p99_ms: +s[Math.min(s.length - 1, Math.floor(s.length * 0.99))]!.toFixed(1) };
};

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'owkms-session-bench-'));
  const runtime = join(dir, 'run');
  spawnSync('mkdir', ['-m', '700', runtime]);
  const env: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, OWKMS_STORE: join(dir, 'store'), XDG_RUNTIME_DIR: runtime, OWKMS_PASSPHRASE: PASSPHRASE };
  try {
    const oneShotEnv = { ...env, OWKMS_NO_AGENT: '1' };
    owkms(['init', '--seal', 'passphrase'], oneShotEnv);
    const id = (JSON.parse(owkms(['--json', 'keys', 'generate', '--alg', 'ed25519', '--label', 'bench'], oneShotEnv)) as { id: string }).id;
    const oneShot = timeSigns(id, oneShotEnv);
    const agent = spawn(process.execPath, [BIN, '--json', 'agent', '--lock-after', '0'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    const line = await new Promise<string>((resolve) => createInterface({ input: agent.stdout! }).once('line', resolve));
    const { session, socket } = JSON.parse(line) as { session: string; socket: string };
    const sessionEnv = { ...env, OWKMS_SESSION: session, OWKMS_SOCKET: socket };
    delete (sessionEnv as Record<string, string | undefined>).OWKMS_PASSPHRASE; // the agent is unlocked: no secret needed
    let viaAgent: number[];
    try {
      viaAgent = timeSigns(id, sessionEnv);
    } finally {
      agent.kill('SIGTERM');
      await new Promise((r) => agent.once('exit', r));
    }
    const result = {
      date: new Date().toISOString(),
      node: process.version,
      calls: N,
      operation: 'owkms sign (ed25519, data on stdin), one process per call',
      one_shot: stats(oneShot),
      session: stats(viaAgent),
      speedup: +(stats(oneShot).total_s / stats(viaAgent).total_s).toFixed(1),
    };
    writeFileSync(join(root, 'bench', 'session-results.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`| mode     | ${N} calls (s) | mean ms | p50 ms | p99 ms |`);
    console.log('|----------|-------------:|--------:|-------:|-------:|');
    for (const [name, s] of [['one-shot', result.one_shot], ['session', result.session]] as const) {
      console.log(`| ${name.padEnd(8)} | ${String(s.total_s).padStart(12)} | ${String(s.mean_ms).padStart(7)} | ${String(s.p50_ms).padStart(6)} | ${String(s.p99_ms).padStart(6)} |`);
    }
    console.log(`session mode is ${result.speedup}x faster`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
