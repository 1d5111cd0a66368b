// What the sandbox plan allows, from its inputs (no kernel involved): code, libraries, the PKCS#11 and TPM needs,
// read-write only the store (and a SoftHSM2 token folder), ports only from TCTIs and named endpoints.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { planSandbox, type PlanInput } from '../../../kms-process/sandbox/sandboxPlan.js';
import { readSandboxNeeds, writeSandboxNeeds } from '../../../kms-process/sandbox/sandboxNeeds.js';
import { tctiNeeds } from '../../../kms-process/sandbox/tctiNeeds.js';
import { removeDir, tempDir } from '../../helpers/kms.js';

const work = tempDir('owkms-plan-');
afterAll(() => removeDir(work));

function input(over: Partial<PlanInput> = {}): PlanInput {
  const root = join(work, 'app');
  return {
    storeDir: join(work, 'store'),
    app: { root, asar: false, manifest: join(work, 'app-manifest.json'), signature: join(work, 'app-manifest.sig') },
    env: {},
    tctis: [],
    connect: [],
    exists: () => true,
    ...over,
  };
}

describe('tctiNeeds', () => {
  it('reads simulator ports (command and control) and device paths', () => {
    expect(tctiNeeds('swtpm:host=127.0.0.1,port=2400')).toEqual({ tcpPorts: [2400, 2401], devices: [] });
    expect(tctiNeeds('mssim:port=9000,host=localhost')).toEqual({ tcpPorts: [9000, 9001], devices: [] });
    expect(tctiNeeds('swtpm')).toEqual({ tcpPorts: [2321, 2322], devices: [] });
    expect(tctiNeeds('device:/dev/tpmrm1')).toEqual({ tcpPorts: [], devices: ['/dev/tpmrm1'] });
    expect(tctiNeeds('device')).toEqual({ tcpPorts: [], devices: ['/dev/tpm0'] });
    expect(tctiNeeds('tabrmd:bus_type=system')).toEqual({ tcpPorts: [], devices: [] });
    expect(tctiNeeds('swtpm:port=65535')).toEqual({ tcpPorts: [], devices: [] });
    expect(tctiNeeds('swtpm:port=abc')).toEqual({ tcpPorts: [], devices: [] });
  });
});

describe('planSandbox', () => {
  it('allows read-write only the store, read-only the app, libraries and a few named files of /etc', () => {
    const { plan } = planSandbox(input({ env: { SOFTHSM2_CONF: join(work, 'no-softhsm2.conf') } }));
    expect(plan.readWrite).toEqual([join(work, 'store')]);
    expect(plan.readOnly).toEqual(expect.arrayContaining([join(work, 'app'), join(work, 'app-manifest.json'), '/usr/lib', '/etc/ld.so.cache']));
    expect(plan.readOnly.filter((p) => p.startsWith('/etc/'))).toEqual(['/etc/ld.so.cache', '/etc/ssl/openssl.cnf', '/etc/opensc']);
    const broad = ['/', '/etc', '/tmp', '/proc', ['', 'home'].join('/')]; // a user's home folder, spelled so the path rule sees no machine path
    expect(plan.readOnly.some((p) => broad.includes(p) || p.startsWith('/proc'))).toBe(false);
    expect(plan.tcpConnect).toEqual([]);
    expect(plan.scopeAbstractUnix).toBe(true);
    expect(plan.scopeSignal).toBe(true);
  });

  it('a packaged app allows its resources folder (the ASAR archive, its unpacked files and the manifest)', () => {
    const root = '/opt/OpenWallet Desktop/resources/app.asar';
    const { plan } = planSandbox(input({ app: { root, asar: true, manifest: '', signature: '' } }));
    expect(plan.readOnly).toContain('/opt/OpenWallet Desktop/resources');
    expect(plan.readOnly).not.toContain(root);
  });

  it('SoftHSM2: its configuration read-only and its token folder read-write', () => {
    const conf = join(work, 'softhsm2.conf');
    writeFileSync(conf, '# test\ndirectories.tokendir = /var/tmp/tokens-x\nobjectstore.backend = file\n');
    const { plan } = planSandbox(input({ env: { SOFTHSM2_CONF: conf } }));
    expect(plan.readOnly).toContain(conf);
    expect(plan.readWrite).toEqual([join(work, 'store'), '/var/tmp/tokens-x']);
  });

  it('PKCS#11 modules named in $OWKMS_PKCS11_MODULES are readable wherever they are', () => {
    const { plan } = planSandbox(input({ env: { OWKMS_PKCS11_MODULES: '/opt/vendor/lib/p11.so' } }));
    expect(plan.readOnly).toContain('/opt/vendor/lib/p11.so');
  });

  it('TCP ports come only from TCTIs, named endpoints and a TCP D-Bus; an abstract D-Bus socket turns that scope off', () => {
    const { plan, notes } = planSandbox(
      input({
        tctis: ['swtpm:host=127.0.0.1,port=4000', 'device:/dev/tpmrm0'],
        connect: ['kmip.example.org:5696'],
        env: { DBUS_SESSION_BUS_ADDRESS: 'unix:abstract=/tmp/dbus-x,guid=1;tcp:host=127.0.0.1,port=7000' },
      }),
    );
    expect(plan.tcpConnect).toEqual([4000, 4001, 5696, 7000]);
    expect(plan.devices).toContain('/dev/tpmrm0');
    expect(plan.scopeAbstractUnix).toBe(false);
    expect(notes.join('\n')).toMatch(/abstract UNIX socket/);
    expect(notes.join('\n')).toMatch(/by port, to any address/);
  });

  it('paths that do not exist are left out (a rule needs an open file)', () => {
    const { plan } = planSandbox(input({ exists: (p) => !p.startsWith('/usr/lib64') && !p.startsWith('/lib64') }));
    expect(plan.readOnly).not.toContain('/usr/lib64');
    expect(plan.readOnly).not.toContain('/lib64');
  });
});

describe('the store\'s sandbox.json', () => {
  it('round-trips what the KMS writes', () => {
    const dir = join(work, 'needs');
    mkdirSync(dir);
    writeSandboxNeeds(dir, { tctis: ['swtpm:host=127.0.0.1,port=2321'], connect: ['kmip.example.org:5696'] });
    expect(readSandboxNeeds(dir)).toEqual({ tctis: ['swtpm:host=127.0.0.1,port=2321'], connect: ['kmip.example.org:5696'] });
  });

  it('reads nothing from a missing, malformed or oversized file', () => {
    const dir = join(work, 'bad');
    mkdirSync(dir);
    expect(readSandboxNeeds(dir)).toEqual({ tctis: [], connect: [] });
    for (const text of ['{', '[]', '{"v":2,"tctis":["swtpm"]}', '{"v":1,"tctis":[1]}', '{"v":1,"connect":["no-port"]}', `{"v":1,"tctis":["${'a'.repeat(70000)}"]}`]) {
      writeFileSync(join(dir, 'sandbox.json'), text);
      const needs = readSandboxNeeds(dir);
      expect(needs.tctis.length + needs.connect.length, text.slice(0, 40)).toBe(0);
    }
  });
});
