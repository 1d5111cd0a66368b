// The sandbox addon itself, each call in a throw-away Node process (a sandbox cannot be undone): bad plans are a
// TypeError before anything is applied, a missing path is skipped and named, the ABI probe changes nothing.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const HARDEN = fileURLToPath(new URL('../../../dist/native/harden/index.js', import.meta.url));

/** Runs `body` (an async function body with `h` = the harden module) in a fresh Node, returns its JSON output. */
function inChild(body: string): unknown {
  const script = `const h = await import(${JSON.stringify(HARDEN)}); const fs = await import('node:fs');
    // Opened before any sandbox: /proc is outside every allowlist, but an open descriptor stays readable.
    const status = fs.openSync('/proc/self/status', 'r');
    const seccomp = () => { const b = Buffer.alloc(8192); const n = fs.readSync(status, b, 0, b.length, 0);
      return /^Seccomp:\\s+(\\d)/m.exec(b.subarray(0, n).toString())[1]; };
    const out = await (async () => { ${body} })(); process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`child failed: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

const plan = { readOnly: [], readWrite: [], devices: [], tcpConnect: [], scopeAbstractUnix: true, scopeSignal: true };

describe.runIf(process.platform === 'linux')('native/harden sandbox()', () => {
  it('refuses malformed plans with a TypeError before changing anything', () => {
    const bad = [
      { ...plan, readOnly: 'not a list' },
      { ...plan, readWrite: [1] },
      { ...plan, devices: undefined },
      { ...plan, tcpConnect: [0] },
      { ...plan, tcpConnect: [65536] },
      { ...plan, tcpConnect: [80.5] },
      { ...plan, tcpConnect: ['80'] },
    ];
    const out = inChild(`return ${JSON.stringify(bad)}.map((p) => ({ r: h.applySandbox(p), seccomp: seccomp() }));`) as Array<{ r: { unavailable?: string }; seccomp: string }>;
    for (const o of out) {
      expect(o.r.unavailable).toMatch(/must be an array of strings|must hold ports from 1 to 65535|must be an array of ports/);
      expect(o.seccomp).toBe('0');
    }
  });

  it('skips and names a path that does not exist, and applies the rest', () => {
    const out = inChild(`return { r: h.applySandbox(${JSON.stringify({ ...plan, readOnly: ['/nonexistent/owkms-test', '/usr/lib'] })}), seccomp: seccomp() };`) as {
      r: { landlock: { skipped: Array<{ path: string; reason: string }>; abi: number }; seccomp: { enforced: boolean } };
      seccomp: string;
    };
    expect(out.r.landlock.skipped).toEqual([{ path: '/nonexistent/owkms-test', reason: 'No such file or directory' }]);
    expect(out.r.landlock.abi).toBeGreaterThanOrEqual(1);
    expect(out.r.seccomp.enforced).toBe(true);
    expect(out.seccomp).toBe('2');
  });
});
