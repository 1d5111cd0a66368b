// What the KMS's sandbox allows, worked out before it restricts itself: its own code, the system's libraries (the
// PKCS#11 modules and tpm2-tss TCTIs it loads later, and what they link), their configuration and token folders,
// the TPM device or simulator ports, and read-write only its store. Everything else is denied.
import { existsSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { SandboxPlan } from '../../native/harden/index.js';
import type { AppLocation } from '../appLocation.js';
import { discoverModules } from '../providers/pkcs11/moduleProfiles.js';
import { tctiNeeds } from './tctiNeeds.js';

export interface PlanInput {
  storeDir: string;
  app: AppLocation;
  env: NodeJS.ProcessEnv;
  /** TCTIs the TPM sealer may use: $OWKMS_TCTI, the parent's --allow-tcti, the store's enrolled ones. */
  tctis: string[];
  /** `host:port` endpoints the parent or the store names (remote KMS servers). */
  connect: string[];
  /** Other folders the KMS may write, named by its parent for this run (owkms doctor's salvage folder). */
  write?: string[];
  /** Electron's folder when the KMS runs as a utilityProcess (its own resources); undefined under Node. */
  runtimeDir?: string;
  exists?: (path: string) => boolean;
}

export interface PlannedSandbox {
  plan: SandboxPlan;
  /** Plain statements of what the plan cannot hold (shown in kms.status). */
  notes: string[];
}

/** Shared libraries: dlopen needs to read them (Landlock's execute right is for execve only, which seccomp denies). */
const LIBRARY_DIRS = ['/usr/lib', '/usr/lib64', '/lib', '/lib64', '/usr/local/lib'];
/** The dynamic loader's cache, and OpenSSL's configuration (SoftHSM2's libcrypto reads it); no other file of /etc. */
const SYSTEM_FILES = ['/etc/ld.so.cache', '/etc/ssl/openssl.cnf'];
const RANDOM_DEVICES = ['/dev/urandom', '/dev/random'];
const SOFTHSM2_DEFAULT_CONF = '/etc/softhsm/softhsm2.conf';
const OPENSC_CONF_DIR = '/etc/opensc';
const TPM_DEVICES = ['/dev/tpmrm0'];

/** SoftHSM2's configuration file and the token folder it names (written when keys are made on a token). */
function softhsm2(env: NodeJS.ProcessEnv, exists: (p: string) => boolean): { conf?: string; tokenDir?: string } {
  const conf = env.SOFTHSM2_CONF || SOFTHSM2_DEFAULT_CONF;
  if (!exists(conf)) return {};
  try {
    const line = readFileSync(conf, 'utf8').split('\n').find((l) => /^\s*directories\.tokendir\s*=/.test(l));
    const tokenDir = line?.slice(line.indexOf('=') + 1).trim();
    return tokenDir ? { conf, tokenDir } : { conf };
  } catch {
    return { conf };
  }
}

function portOf(endpoint: string): number | undefined {
  const n = Number(endpoint.slice(endpoint.lastIndexOf(':') + 1));
  return Number.isInteger(n) && n >= 1 && n <= 65535 ? n : undefined;
}

/** D-Bus session bus (the keychain sealer): a TCP bus needs its port; an abstract socket needs the scope off. */
function dbus(address: string | undefined, notes: string[]): { tcpPorts: number[]; abstract: boolean } {
  const out = { tcpPorts: [] as number[], abstract: false };
  for (const entry of (address ?? '').split(';').filter(Boolean)) {
    const [transport, rest = ''] = entry.split(/:(.*)/s);
    const fields = new Map(rest.split(',').map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
    if (transport === 'unix' && fields.has('abstract')) out.abstract = true;
    if (transport === 'tcp' && fields.has('port')) {
      const p = portOf(`:${fields.get('port')}`);
      if (p) out.tcpPorts.push(p);
    }
  }
  if (out.abstract) notes.push('the D-Bus session bus is an abstract UNIX socket, so the abstract-socket scope is off');
  return out;
}

export function planSandbox(input: PlanInput): PlannedSandbox {
  const exists = input.exists ?? existsSync;
  const notes: string[] = [];
  const readOnly: string[] = [];
  const readWrite = [input.storeDir, ...(input.write ?? [])];
  const devices: string[] = [];
  const ports = new Set<number>();

  // The app's own code: an ASAR archive is one file beside its unpacked folder and the manifest (resources/).
  if (input.app.asar) readOnly.push(dirname(input.app.root));
  else readOnly.push(input.app.root, input.app.manifest, input.app.signature);
  if (input.runtimeDir) readOnly.push(input.runtimeDir);
  readOnly.push(...LIBRARY_DIRS, ...SYSTEM_FILES, ...RANDOM_DEVICES);
  devices.push('/dev/null');

  // PKCS#11 modules (they may live outside the library folders) and what they read and write.
  for (const m of discoverModules({ env: input.env, exists })) readOnly.push(m.path);
  const hsm = softhsm2(input.env, exists);
  if (hsm.conf) readOnly.push(hsm.conf);
  if (hsm.tokenDir) readWrite.push(hsm.tokenDir);
  readOnly.push(OPENSC_CONF_DIR);

  // The TPM: the kernel's resource manager, and whatever the TCTIs in use name.
  devices.push(...TPM_DEVICES);
  for (const t of input.tctis) {
    const needs = tctiNeeds(t);
    devices.push(...needs.devices);
    for (const p of needs.tcpPorts) ports.add(p);
  }
  for (const e of input.connect) {
    const p = portOf(e);
    if (p) ports.add(p);
  }
  const bus = dbus(input.env.DBUS_SESSION_BUS_ADDRESS, notes);
  for (const p of bus.tcpPorts) ports.add(p);
  if (ports.size > 0) notes.push('TCP connections are allowed by port, to any address (Landlock matches ports only)');
  notes.push('connect() to pathname UNIX sockets (the D-Bus session bus, pcscd) is not restricted by Landlock up to ABI 7');
  // The KMS never makes its store folder (a mistyped store is left alone, issue 9): its parent does, for kms.init.
  if (!exists(input.storeDir)) notes.push('the store folder does not exist, so this KMS can create nothing there (kms.init needs its parent to make the folder first)');

  const present = (list: string[]) => [...new Set(list)].filter((p) => exists(p));
  return {
    plan: {
      readOnly: present(readOnly),
      readWrite: present(readWrite),
      devices: present(devices),
      tcpConnect: [...ports].sort((a, b) => a - b),
      scopeAbstractUnix: !bus.abstract,
      scopeSignal: true,
    },
    notes,
  };
}
