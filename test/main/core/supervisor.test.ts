// The KMS supervisor under Node with a real KMS child: a call in flight when the process dies fails UNAVAILABLE,
// listeners hear the exit, the process comes back (locked) and serves again; backoff and giving up with a spawner
// that fails; stop() means no restart.
import { describe, expect, it } from 'vitest';
import type { Caller } from '../../../kms-process/api/callers.js';
import { KmsError } from '../../../kms-process/api/errors.js';
import type { KmsProcess, KmsSpawner } from '../../../main/core/kmsSpawner.js';
import { NodeKmsSpawner } from '../../../main/core/nodeKmsSpawner.js';
import { KmsSupervisor, type SupervisorEvent } from '../../../main/core/supervisor.js';
import { PASSPHRASE, removeDir, tempDir } from '../../helpers/kms.js';

const FAST = { initialMs: 50, maxMs: 400, stableMs: 60_000, maxFailures: 4 };

describe('KmsSupervisor with a real KMS', () => {
  it('fails the pending call, tells its listeners, restarts, and the next call works after unlock', async () => {
    const dir = tempDir();
    const spawner = new NodeKmsSpawner({ storeDir: dir, stderr: 'pipe' });
    const sup = new KmsSupervisor(spawner, FAST);
    const events: SupervisorEvent[] = [];
    sup.onEvent((e) => events.push(e));
    try {
      await sup.start();
      await sup.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }, 'app');
      const pid = sup.pid!;
      const slow = sup.call('keys.generate', { algorithm: 'rsa-4096' }, 'ui');
      await new Promise((r) => setTimeout(r, 100));
      process.kill(pid, 'SIGKILL');
      await expect(slow).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
      // A call made while it restarts waits for the new process.
      const status = (await sup.call('kms.status', { probe: false }, 'ui')) as { state: string };
      expect(status.state).toBe('locked');
      expect(sup.pid).not.toBe(pid);
      expect(events.map((e) => e.type)).toEqual(['ready', 'exited', 'ready']);
      expect(events[1]).toMatchObject({ type: 'exited', reason: expect.stringMatching(/channel closed|SIGKILL/), restartInMs: 50 });
      await sup.call('kms.unlock', { passphrase: PASSPHRASE }, 'app');
      const key = (await sup.call('keys.generate', { algorithm: 'ed25519' }, 'ui')) as { id: string };
      await expect(sup.call('crypto.sign', { id: key.id, data: 'aGk' }, 'ui')).resolves.toHaveProperty('signature');
      // The caller is what main stamps; a caller the channel does not speak for is refused by the KMS.
      await expect(sup.call('kms.status', {}, 'cli' as Caller)).rejects.toMatchObject({ kind: 'POLICY_DENIED' });
    } finally {
      await sup.stop();
      removeDir(dir);
    }
  });

  it('replace() after a lock: a new process (the old one gone), locked, no exited event; a call made meanwhile waits for it', async () => {
    const dir = tempDir();
    const sup = new KmsSupervisor(new NodeKmsSpawner({ storeDir: dir, stderr: 'pipe' }), FAST);
    const events: SupervisorEvent[] = [];
    sup.onEvent((e) => events.push(e));
    try {
      await sup.start();
      await sup.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] }, 'app');
      await sup.call('kms.lock', {}, 'app');
      const pid = sup.pid!;
      const replaced = sup.replace();
      const during = sup.call('kms.status', { probe: false }, 'ui') as Promise<{ state: string }>;
      await replaced;
      expect((await during).state).toBe('locked');
      expect(sup.pid).not.toBe(pid);
      expect(() => process.kill(pid, 0)).toThrow();
      expect(events.map((e) => e.type)).toEqual(['ready', 'ready']);
      await sup.call('kms.unlock', { passphrase: PASSPHRASE }, 'app');
      expect(((await sup.call('kms.status', { probe: false }, 'ui')) as { state: string }).state).toBe('unlocked');
    } finally {
      await sup.stop();
      removeDir(dir);
    }
  });

  it('after stop() nothing restarts and calls are UNAVAILABLE', async () => {
    const dir = tempDir();
    const sup = new KmsSupervisor(new NodeKmsSpawner({ storeDir: dir, stderr: 'pipe' }), FAST);
    await sup.start();
    const pid = sup.pid!;
    await sup.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    await expect(sup.call('kms.status', {}, 'ui')).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    removeDir(dir);
  });
});

/** A spawner whose processes fail to start `failures` times, then start (a stand-in process, no KMS needed). */
class FlakySpawner implements KmsSpawner {
  attempts: number[] = [];
  constructor(private failures: number) {}
  async spawn(): Promise<KmsProcess> {
    this.attempts.push(Date.now());
    if (this.failures-- > 0) throw new KmsError('UNAVAILABLE', 'spawn failed');
    return { pid: 1, call: async () => ({ state: 'locked' }), onExit: () => undefined, stop: async () => undefined };
  }
}

describe('KmsSupervisor backoff', () => {
  it('retries with growing delays, then serves', async () => {
    const spawner = new FlakySpawner(3);
    const sup = new KmsSupervisor(spawner, FAST);
    const events: SupervisorEvent[] = [];
    sup.onEvent((e) => events.push(e));
    await expect(sup.start()).rejects.toThrow();
    await expect(sup.call('kms.status', {}, 'ui')).resolves.toEqual({ state: 'locked' });
    expect(spawner.attempts).toHaveLength(4);
    expect(events.filter((e) => e.type === 'exited').map((e) => (e as { restartInMs: number }).restartInMs)).toEqual([50, 100, 200]);
    const gaps = spawner.attempts.slice(1).map((t, i) => t - spawner.attempts[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(45);
    expect(gaps[2]).toBeGreaterThanOrEqual(190);
    await sup.stop();
  });

  it('gives up after maxFailures and says so', async () => {
    const sup = new KmsSupervisor(new FlakySpawner(100), { ...FAST, maxFailures: 3 });
    const events: SupervisorEvent[] = [];
    sup.onEvent((e) => events.push(e));
    await expect(sup.start()).rejects.toThrow();
    await expect(sup.call('kms.status', {}, 'ui')).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    await new Promise((r) => setTimeout(r, 300));
    expect(events.at(-1)).toMatchObject({ type: 'gave-up' });
    await expect(sup.call('kms.status', {}, 'ui')).rejects.toMatchObject({ kind: 'UNAVAILABLE' });
    await sup.stop();
  });
});
