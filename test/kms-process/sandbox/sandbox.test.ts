// The KMS's Linux sandbox, tried from inside a running KMS (test/helpers/sandboxProbeKms.mjs, a test build of the
// entry): files outside the allowlist, writing next to the store, TCP to a port nobody configured, execve, binding a
// port, signalling out, abstract UNIX sockets; read back from outside through /proc. The same probes with the
// sandbox off succeed, so each denial below is the sandbox's doing.
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSPHRASE, removeDir, startKms, tempDir, type TestKms } from '../../helpers/kms.js';

const PROBE_ENTRY = fileURLToPath(new URL('../../helpers/sandboxProbeKms.mjs', import.meta.url));
const OWN_CODE = fileURLToPath(new URL('../../../package.json', import.meta.url));

interface ProbeResult {
  name: string;
  ok: boolean;
  code?: string;
}

function listen(server: Server, where: number | string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      const a = server.address();
      resolve(typeof a === 'object' && a ? a.port : 0);
    };
    if (typeof where === 'number') server.listen(where, '127.0.0.1', done);
    else server.listen(where, done);
  });
}

/** Starts the probe build of the KMS and collects what each probe met. */
async function probeKms(opts: { dir: string; probes: object[]; connect?: string[]; off?: boolean }): Promise<{ kms: TestKms; results: Map<string, ProbeResult>; stderr: () => string }> {
  let stderr = '';
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const kms = await startKms({
    dir: opts.dir,
    entry: PROBE_ENTRY,
    env: { OWKMS_PROBES: JSON.stringify(opts.probes) },
    sandbox: { connect: opts.connect ?? [], ...(opts.off ? { off: true } : {}) },
  });
  const onData = (d: Buffer) => {
    stderr += d.toString();
    if (stderr.includes('OWKMS-PROBE-DONE')) done();
  };
  kms.host.child!.stderr!.on('data', onData);
  await Promise.race([finished, new Promise((_, rej) => setTimeout(() => rej(new Error(`probes did not finish: ${stderr}`)), 20_000))]);
  const results = new Map<string, ProbeResult>();
  for (const line of stderr.split('\n')) {
    if (line.startsWith('OWKMS-PROBE {')) {
      const r = JSON.parse(line.slice('OWKMS-PROBE '.length)) as ProbeResult;
      results.set(r.name, r);
    }
  }
  return { kms, results, stderr: () => stderr };
}

describe.runIf(process.platform === 'linux')('the KMS sandbox on Linux', () => {
  let outside: string;
  let store: string;
  let refused: Server;
  let allowed: Server;
  let unixServer: Server;
  let abstractServer: Server;
  let probes: object[];
  let allowedPort: number;
  let sandboxed: Awaited<ReturnType<typeof probeKms>>;

  beforeAll(async () => {
    outside = tempDir('owkms-outside-');
    writeFileSync(join(outside, 'shadow'), 'root:$6$not-a-real-hash:19000:0:99999:7:::\n', { mode: 0o600 });
    const parent = tempDir('owkms-parent-');
    store = join(parent, 'store');
    refused = createServer((s) => s.end());
    allowed = createServer((s) => s.end());
    unixServer = createServer((s) => s.end());
    abstractServer = createServer((s) => s.end());
    const refusedPort = await listen(refused, 0);
    allowedPort = await listen(allowed, 0);
    await listen(unixServer, join(outside, 'socket'));
    const abstractName = `\0owkms-sandbox-test-${process.pid}`;
    await listen(abstractServer, abstractName);
    probes = [
      { name: 'read outside', kind: 'readSync', path: join(outside, 'shadow') },
      { name: 'read outside on the thread pool', kind: 'readPool', path: join(outside, 'shadow') },
      { name: 'read /etc/shadow', kind: 'readSync', path: '/etc/shadow' },
      { name: 'read own code', kind: 'readSync', path: OWN_CODE },
      { name: 'read own code on the thread pool', kind: 'readPoolAllowed', path: OWN_CODE },
      { name: 'write in the store', kind: 'write', path: join(store, 'probe.txt') },
      { name: 'write next to the store', kind: 'write', path: join(parent, 'next-to-store.txt') },
      { name: 'write outside', kind: 'write', path: join(outside, 'dropped.txt') },
      { name: 'connect to an unconfigured port', kind: 'connect', host: '127.0.0.1', port: refusedPort },
      { name: 'connect to a configured port', kind: 'connect', host: '127.0.0.1', port: allowedPort },
      { name: 'listen on a port', kind: 'listen', port: 0 },
      { name: 'execve', kind: 'exec', path: '/bin/true' },
      { name: 'signal the parent', kind: 'signalParent' },
      { name: 'connect to a pathname UNIX socket', kind: 'unix', path: join(outside, 'socket') },
      { name: 'connect to an abstract UNIX socket', kind: 'unix', path: abstractName },
    ];
    mkdirSync(store, { recursive: true });
    sandboxed = await probeKms({ dir: store, probes, connect: [`127.0.0.1:${allowedPort}`] });
  });

  afterAll(async () => {
    await sandboxed?.kms.stop();
    for (const s of [refused, allowed, unixServer, abstractServer]) s?.close();
    removeDir(outside);
    removeDir(join(store, '..'));
  });

  const result = (name: string) => {
    const r = sandboxed.results.get(name);
    if (!r) throw new Error(`probe '${name}' did not report: ${sandboxed.stderr()}`);
    return r;
  };

  it('reports every layer enforced, and which threads Landlock covers', async () => {
    const status = await sandboxed.kms.client.call('kms.status', { probe: false });
    const sb = status.sandbox!;
    expect(sb.noNewPrivs.state).toBe('enforced');
    expect(sb.seccomp.state).toBe('enforced');
    expect(sb.seccomp.denied).toEqual(['execve', 'execveat', 'ptrace', 'process_vm_readv', 'process_vm_writev']);
    expect(sb.landlock.state).toBe('enforced');
    expect(sb.landlock.abi).toBeGreaterThanOrEqual(6);
    // Node's ESM loader starts libuv's pool (4 threads) before the entry runs: main + 4 V8 workers + scheduler +
    // inspector watchdog + pool. Only the watchdog, which blocks every signal, is out of reach.
    expect(sb.landlock.threads!.restricted).toBeGreaterThanOrEqual(10);
    expect(sb.landlock.threads!.outside.map((t) => t.reason)).toEqual(['signals blocked']);
    expect(sb.landlock.readWrite).toContain(store);
    expect(sb.landlock.tcpConnect).toEqual([allowedPort]);
    expect(sb.landlock.scopes).toEqual(['abstract-unix-socket', 'signal']);
  });

  it('shows NoNewPrivs: 1 and Seccomp: 2 in /proc for the process and every thread', () => {
    const pid = sandboxed.kms.host.child!.pid!;
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(readFileSync(`/proc/${pid}/status`, 'utf8')).toMatch(/^Seccomp:\s+2$/m);
    const tasks = readdirSync(`/proc/${pid}/task`);
    expect(tasks.length).toBeGreaterThanOrEqual(11);
    for (const t of tasks) {
      const s = readFileSync(`/proc/${pid}/task/${t}/status`, 'utf8');
      expect(s, `thread ${t}`).toMatch(/^Seccomp:\s+2$/m);
      expect(s, `thread ${t}`).toMatch(/^NoNewPrivs:\s+1$/m);
    }
  });

  it('denies reading files outside the allowlist, on the main thread and on every pool thread', () => {
    expect(result('read outside')).toMatchObject({ ok: false, code: 'EACCES' });
    expect(result('read outside on the thread pool')).toMatchObject({ ok: false, code: 'EACCES' });
    expect(result('read /etc/shadow')).toMatchObject({ ok: false, code: 'EACCES' });
    expect(result('read own code')).toMatchObject({ ok: true });
    expect(result('read own code on the thread pool')).toMatchObject({ ok: true });
  });

  it('writes only inside its store', () => {
    expect(result('write in the store')).toMatchObject({ ok: true });
    expect(result('write next to the store')).toMatchObject({ ok: false, code: 'EACCES' });
    expect(result('write outside')).toMatchObject({ ok: false, code: 'EACCES' });
  });

  it('connects over TCP only to configured ports and binds none', () => {
    expect(result('connect to an unconfigured port')).toMatchObject({ ok: false, code: 'EACCES' });
    expect(result('connect to a configured port')).toMatchObject({ ok: true });
    expect(result('listen on a port')).toMatchObject({ ok: false, code: 'EACCES' });
  });

  it('cannot run programs or signal processes outside the sandbox', () => {
    expect(result('execve')).toMatchObject({ ok: false, code: 'EPERM' });
    expect(result('signal the parent')).toMatchObject({ ok: false, code: 'EPERM' });
  });

  it('UNIX sockets: abstract ones made outside are refused; pathname ones are not restricted by Landlock (documented)', () => {
    expect(result('connect to an abstract UNIX socket')).toMatchObject({ ok: false, code: 'EPERM' });
    // Pinned so a kernel that starts restricting them (and the README's statement) gets noticed.
    expect(result('connect to a pathname UNIX socket')).toMatchObject({ ok: true });
  });

  it('keeps serving: the keystore in its store works under the sandbox', async () => {
    const c = sandboxed.kms.client;
    await c.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
    const key = await c.call('keys.generate', { algorithm: 'ed25519' });
    const sig = await c.call('crypto.sign', { id: key.id, data: Buffer.from('hello').toString('base64url') });
    expect(sig.signature.length).toBeGreaterThan(0);
  });

  it('SIGUSR1 cannot open an inspector port on the KMS', async () => {
    const child = sandboxed.kms.host.child!;
    child.kill('SIGUSR1');
    const deadline = Date.now() + 5000;
    while (!/Starting inspector on .* failed/.test(sandboxed.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(sandboxed.stderr()).toMatch(/Starting inspector on 127\.0\.0\.1:\d+ failed: permission denied/);
    expect((await sandboxed.kms.client.call('kms.status', { probe: false })).state).toBe('unlocked');
  });

  it('the same probes succeed with the sandbox off (so the denials above are the sandbox)', async () => {
    const dir = tempDir();
    const off = await probeKms({ dir, probes, off: true });
    try {
      const r = (name: string) => off.results.get(name);
      expect(r('read outside')).toMatchObject({ ok: true });
      expect(r('read outside on the thread pool')?.code).toMatch(/^READ 16\/16$/);
      expect(r('write outside')).toMatchObject({ ok: true });
      expect(r('connect to an unconfigured port')).toMatchObject({ ok: true });
      expect(r('listen on a port')).toMatchObject({ ok: true });
      expect(r('execve')).toMatchObject({ ok: true });
      expect(r('signal the parent')).toMatchObject({ ok: true });
      expect(r('connect to an abstract UNIX socket')).toMatchObject({ ok: true });
      const status = await off.kms.client.call('kms.status', { probe: false });
      expect(status.sandbox!.landlock).toMatchObject({ state: 'off', detail: 'the parent started this KMS with --no-sandbox' });
      expect(readFileSync(`/proc/${off.kms.host.child!.pid}/status`, 'utf8')).toMatch(/^Seccomp:\s+0$/m);
    } finally {
      await off.kms.stop();
      removeDir(dir);
    }
  });
});
