// A test build of the KMS entry: it runs the real entry (dist/kms-process/index.js, which sandboxes the process and
// serves the channel as usual), then, from inside that process, tries what $OWKMS_PROBES lists and reports each
// outcome on stderr as `OWKMS-PROBE {json}` lines, ending with `OWKMS-PROBE-DONE`. It lives in test/ and is never
// shipped: release builds contain no probe.
import { execFileSync } from 'node:child_process';
import { promises as fsp, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import '../../dist/kms-process/index.js';

const report = (line) => process.stderr.write(`OWKMS-PROBE ${JSON.stringify(line)}\n`);
const code = (e) => (e && typeof e === 'object' && 'code' in e ? String(e.code) : String(e));

async function attempt(probe, fn) {
  try {
    await fn();
    report({ ...probe, ok: true });
  } catch (e) {
    report({ ...probe, ok: false, code: code(e) });
  }
}

function tcp(options) {
  return new Promise((resolve, reject) => {
    const s = connect(options, () => {
      s.destroy();
      resolve();
    });
    s.once('error', reject);
  });
}

const RUN = {
  readSync: (p) => readFileSync(p.path),
  // Many reads at once land on every thread of libuv's pool, which existed before the sandbox was applied.
  readPool: async (p) => {
    const results = await Promise.allSettled(Array.from({ length: p.times ?? 16 }, () => fsp.readFile(p.path)));
    const passed = results.filter((r) => r.status === 'fulfilled').length;
    if (passed > 0) throw Object.assign(new Error('read'), { code: `READ ${passed}/${results.length}` });
    const codes = [...new Set(results.map((r) => code(r.reason)))];
    throw Object.assign(new Error('denied'), { code: codes.join(',') });
  },
  readPoolAllowed: async (p) => {
    await Promise.all(Array.from({ length: p.times ?? 16 }, () => fsp.readFile(p.path)));
  },
  write: (p) => writeFileSync(p.path, 'written from inside the KMS'),
  connect: (p) => tcp({ host: p.host, port: p.port }),
  unix: (p) => tcp({ path: p.path }),
  exec: (p) => execFileSync(p.path, [], { stdio: 'ignore' }),
  listen: (p) =>
    new Promise((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(p.port, '127.0.0.1', () => srv.close(() => resolve()));
    }),
  signalParent: () => process.kill(process.ppid, 0),
};

const probes = JSON.parse(process.env.OWKMS_PROBES ?? '[]');
for (const probe of probes) await attempt(probe, () => RUN[probe.kind](probe));
process.stderr.write('OWKMS-PROBE-DONE\n');
