// `node dist/bench/profile.js [--op ed25519.sign] [--seconds 5] [--dir DIR] [--mode pipelined|batch|seq] [--token]`:
// runs one operation against a KMS child started with --cpu-prof and prints where the KMS spends its time; with
// --token the key lives on a throw-away SoftHSM2 token. Run this file under `node --cpu-prof` for the parent's side.
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startSoftHsm, type SoftHsm } from '../test/services/softhsm.js';
import { packageRoot } from './benchPaths.js';
import { formatProfile, summarizeProfile } from './cpuProfile.js';
import { generateKey, initKms, kmsOp, startKms } from './kmsOps.js';
import { OP_CASES } from './opCases.js';
import { perSecond } from './timing.js';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      op: { type: 'string', default: 'ed25519.sign' },
      seconds: { type: 'string', default: '5' },
      dir: { type: 'string' },
      mode: { type: 'string', default: 'pipelined' },
      top: { type: 'string', default: '25' },
      token: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const c = OP_CASES.find((x) => x.op === values.op);
  if (!c) throw new Error(`unknown op ${values.op}; one of ${OP_CASES.map((x) => x.op).join(', ')}`);
  const budgetMs = Number(values.seconds) * 1000;
  const work = await mkdtemp(join(tmpdir(), 'owkms-profile-'));
  const profDir = values.dir ? resolve(values.dir) : join(work, 'prof');
  let hsm: SoftHsm | undefined;
  try {
    if (values.token) hsm = await startSoftHsm(['profile']); // sets SOFTHSM2_CONF for the KMS child
    const host = await startKms(join(work, 'store'), { nodeFlags: ['--cpu-prof', `--cpu-prof-dir=${profDir}`] });
    let rate: number;
    try {
      await initKms(host.client);
      let provider: string | undefined;
      if (hsm) {
        const t = hsm.tokens[0]!;
        await host.client.call('tokens.login', { token: t.serial, pin: t.pin });
        provider = `pkcs11:${t.serial}`;
      }
      const op = kmsOp(host.client, c, await generateKey(host.client, c, provider));
      await op.pipelined(300, 64); // warm-up
      if (values.mode === 'batch') rate = perSecond(await op.batched(budgetMs, 256));
      else if (values.mode === 'seq') {
        const us = await op.sequentialUs(1e9, budgetMs);
        rate = us.length / (us.reduce((a, b) => a + b, 0) / 1e6);
      }
      else rate = perSecond(await op.pipelined(budgetMs, 64));
    } finally {
      await host.stop(); // SIGTERM: the KMS exits cleanly and V8 writes the profile
    }
    process.stdout.write(`${c.op} ${values.mode}: ${Math.round(rate)} ops/s\n`);
    // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the KMS's main thread, the others its crypto workers.
    const files = (await readdir(profDir)).filter((f) => f.endsWith('.cpuprofile')).sort();
    const thread = (f: string) => Number(f.split('.')[4]);
    const main = files.filter((f) => thread(f) === 0).at(-1);
    if (!main) throw new Error(`no main-thread .cpuprofile in ${profDir}`);
    const summary = summarizeProfile(join(profDir, main), packageRoot());
    process.stdout.write(`${formatProfile(`KMS main thread ${join(profDir, main)}`, summary, Number(values.top))}\n`);
    for (const f of files.filter((x) => thread(x) !== 0)) {
      const w = summarizeProfile(join(profDir, f), packageRoot());
      process.stdout.write(`${formatProfile(`KMS crypto worker ${join(profDir, f)}`, w, Math.min(8, Number(values.top)))}\n`);
    }
  } finally {
    await hsm?.cleanup();
    await rm(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`profile failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
