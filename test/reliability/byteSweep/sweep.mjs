#!/usr/bin/env node
// The byte sweep (issue 13): build a small keystore, then damage its database file one byte at a time (every byte
// with --full, a seeded sample otherwise) and cut it at many lengths; each damaged copy is opened and used in a
// worker process (attempt.mjs). Every attempt must end as `correct`, TAMPERED, CORRUPT, ROLLBACK or `audit`; a wrong
// answer, another error kind, an exception, a crashed worker or an attempt that hangs (30 s) is a failure.
//
//   node test/reliability/byteSweep/sweep.mjs --full            every byte XOR 0xff, and truncations (tens of minutes)
//   node test/reliability/byteSweep/sweep.mjs --sample 1500     a larger sample (CI's test in byteSweep.test.ts runs 160)
//   options: --seed N, --workers N (default 2), --truncations N (random lengths besides the page boundaries), --json
// Needs `npm run build` first (it runs the compiled KMS in dist/).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { prng } from '../../helpers/prng.mjs';

const SELF = fileURLToPath(import.meta.url);
const ATTEMPT_TIMEOUT_MS = 30_000;
const PAGE = 4096;

function damaged(base, job) {
  if (job.kind === 'truncate') return base.subarray(0, job.length);
  const out = Buffer.from(base);
  out[job.offset] ^= job.mask;
  return out;
}

/**
 * Argon2id is a pure function: the worker remembers its results (by passphrase, salt and cost), so the thousands of
 * unlocks of the same keystore do not each spend tens of milliseconds on the same derivation. A flipped salt or
 * cost is a different input and is derived afresh. Nothing else of the KMS is touched.
 */
function memoizeArgon2() {
  const argon2 = createRequire(import.meta.url)('argon2');
  const original = argon2.hash;
  const memo = new Map();
  argon2.hash = async (password, options) => {
    const key = JSON.stringify([Buffer.from(password).toString('hex'), { ...options, salt: Buffer.from(options.salt).toString('hex') }]);
    if (!memo.has(key)) memo.set(key, Buffer.from(await original(password, options)));
    return Buffer.from(memo.get(key));
  };
}

async function worker(fixtureDir) {
  memoizeArgon2();
  const { attempt } = await import('./attempt.mjs');
  const expected = JSON.parse(readFileSync(join(fixtureDir, 'expected.json'), 'utf8'));
  const base = readFileSync(join(fixtureDir, 'keystore.sqlite'));
  // stdout carries only result lines; anything the KMS code writes goes to stderr.
  console.log = (...a) => process.stderr.write(a.join(' ') + '\n');
  for await (const line of createInterface({ input: process.stdin })) {
    if (!line) continue;
    const job = JSON.parse(line);
    const result = await attempt(damaged(base, job), expected);
    process.stdout.write(JSON.stringify({ ...job, ...result }) + '\n');
  }
}

function jobsFor(o, size) {
  const random = prng(o.seed);
  const jobs = [];
  if (o.full) for (let offset = 0; offset < size; offset++) jobs.push({ kind: 'flip', offset, mask: 0xff });
  else {
    // The 100-byte SQLite header always, then a seeded sample of the rest, each with a random non-zero mask.
    const offsets = new Set(Array.from({ length: Math.min(100, size) }, (_, i) => i));
    while (offsets.size < Math.min(o.sample, size)) offsets.add(Math.floor(random() * size));
    for (const offset of [...offsets].sort((x, y) => x - y)) jobs.push({ kind: 'flip', offset, mask: 1 + Math.floor(random() * 255) });
  }
  const lengths = new Set([0, 1, 16, 99, 100]);
  for (let p = PAGE; p <= size; p += PAGE) [p - 1, p, p + 1].filter((n) => n < size).forEach((n) => lengths.add(n));
  for (let i = 0; i < o.truncations; i++) lengths.add(Math.floor(random() * size));
  for (const length of [...lengths].sort((x, y) => x - y)) jobs.push({ kind: 'truncate', length });
  return jobs;
}

/** Runs `jobs` on `n` workers; a worker that dies or hangs is replaced and its job recorded as CRASH / HANG. */
function runJobs(fixtureDir, jobs, n, onResult) {
  let next = 0;
  const startWorker = () =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [SELF, '--worker', fixtureDir], { stdio: ['pipe', 'pipe', 'pipe'] });
      let current;
      let timer;
      let stderr = '';
      child.stderr.on('data', (b) => (stderr = (stderr + b.toString()).slice(-2000)));
      const feed = () => {
        if (next >= jobs.length) {
          current = undefined;
          child.stdin.end();
          return;
        }
        current = jobs[next++];
        timer = setTimeout(() => {
          onResult({ ...current, outcome: 'HANG', detail: `no answer in ${ATTEMPT_TIMEOUT_MS} ms` });
          current = undefined;
          child.kill('SIGKILL');
        }, ATTEMPT_TIMEOUT_MS);
        child.stdin.write(JSON.stringify(current) + '\n');
      };
      createInterface({ input: child.stdout }).on('line', (line) => {
        clearTimeout(timer);
        onResult(JSON.parse(line));
        feed();
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        if (current) onResult({ ...current, outcome: 'CRASH', detail: `worker exited (${signal ?? code}): ${stderr.slice(-300)}` });
        resolve(next < jobs.length ? startWorker() : undefined);
      });
      feed();
    });
  return Promise.all(Array.from({ length: n }, () => startWorker()));
}

async function main() {
  const { values } = parseArgs({
    options: {
      worker: { type: 'string' },
      full: { type: 'boolean', default: false },
      sample: { type: 'string', default: '1500' },
      truncations: { type: 'string', default: '100' },
      seed: { type: 'string' },
      workers: { type: 'string', default: '2' },
      json: { type: 'boolean', default: false },
    },
  });
  if (values.worker) return worker(values.worker);
  const o = {
    full: values.full,
    sample: Number(values.sample),
    truncations: Number(values.truncations),
    seed: Number(values.seed ?? Date.now() % 2 ** 31),
    workers: Number(values.workers),
  };
  const { buildFixture } = await import('./fixture.mjs');
  const fixtureDir = mkdtempSync(join(tmpdir(), 'owkms-sweep-fixture-'));
  const started = Date.now();
  try {
    const expected = await buildFixture(fixtureDir);
    writeFileSync(join(fixtureDir, 'expected.json'), JSON.stringify(expected));
    const size = readFileSync(join(fixtureDir, 'keystore.sqlite')).length;
    const jobs = jobsFor(o, size);
    const counts = { flip: {}, truncate: {} };
    const failures = [];
    const examples = {};
    const { DETECTED } = await import('./attempt.mjs');
    let done = 0;
    await runJobs(fixtureDir, jobs, o.workers, (r) => {
      counts[r.kind][r.outcome] = (counts[r.kind][r.outcome] ?? 0) + 1;
      if (!DETECTED.has(r.outcome)) failures.push(r);
      const seen = (examples[r.outcome] ??= []);
      if (seen.length < 3) seen.push(r);
      if (++done % 1000 === 0) process.stderr.write(`byte sweep: ${done}/${jobs.length} (${Math.round((Date.now() - started) / 1000)} s)\n`);
    });
    const summary = { seed: o.seed, mode: o.full ? 'full' : 'sample', fileBytes: size, attempts: jobs.length, seconds: Math.round((Date.now() - started) / 1000), counts, examples, failures: failures.slice(0, 50), failureCount: failures.length };
    if (values.json) process.stdout.write(JSON.stringify(summary) + '\n');
    process.stderr.write(`byte sweep (${summary.mode}, seed ${o.seed}): ${size}-byte keystore, ${jobs.length} attempts in ${summary.seconds} s\n`);
    for (const kind of ['flip', 'truncate']) process.stderr.write(`  ${kind}: ${JSON.stringify(counts[kind])}\n`);
    for (const f of failures.slice(0, 20)) process.stderr.write(`  FAILED ${JSON.stringify(f)}\n`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  } finally {
    rmSync(fixtureDir, { recursive: true, force: true });
  }
}

await main();
