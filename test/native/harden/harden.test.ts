// The KMS process is hardened at start (native/harden) and gets a minimal environment from KmsHost.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PASSED_ENV } from '../../../kms-process/client/kmsHost.js';
import { removeDir, startKms, type TestKms } from '../../helpers/kms.js';

let kms: TestKms;
beforeAll(async () => {
  kms = await startKms({ env: { SOFTHSM2_CONF: '/nonexistent/softhsm2.conf' } });
});
afterAll(async () => {
  await kms.stop();
  removeDir(kms.dir);
});

describe('KMS process hardening', () => {
  it('is not dumpable and may not write a core file', async () => {
    const status = await kms.client.call('kms.status', { probe: false });
    expect(status.hardening).toEqual({ dumpable: false, coreLimitZero: true });
    // Read back from outside the process: the kernel's view of its core limit.
    const limits = readFileSync(`/proc/${kms.host.child!.pid}/limits`, 'utf8');
    expect(limits).toMatch(/^Max core file size\s+0\s+0\s+bytes/m);
  });

  it('runs with only the variables it needs', () => {
    const environ = readFileSync(`/proc/${kms.host.child!.pid}/environ`, 'utf8').split('\0').filter(Boolean);
    const names = environ.map((e) => e.slice(0, e.indexOf('=')));
    // Node's fork adds NODE_CHANNEL_FD and NODE_CHANNEL_SERIALIZATION_MODE for its IPC channel itself.
    const allowed = new Set<string>([...PASSED_ENV, 'SOFTHSM2_CONF', 'OWKMS_CHANNEL_TOKEN', 'NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE']);
    expect(names.filter((n) => !allowed.has(n))).toEqual([]);
    expect(names).toContain('SOFTHSM2_CONF');
    expect(names).not.toContain('PATH');
  });
});
