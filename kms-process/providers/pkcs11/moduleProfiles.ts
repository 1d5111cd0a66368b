// Known PKCS#11 modules (SoftHSM2, Yubico ykcs11, OpenSC) with their usual install paths, and how each behaves
// (who counts PIN failures, whether keys live in PIV slots, whether operations may wait for a touch).
import { existsSync } from 'node:fs';
import path from 'node:path';

export type ProfileId = 'softhsm2' | 'ykcs11' | 'opensc' | 'generic';

export interface Pkcs11Profile {
  id: ProfileId;
  name: string;
  /** Whether the token itself counts wrong PINs and locks (else the KMS counts them, DESIGN.md section 4). */
  tokenCountsPinFailures: boolean;
  /** Keys live in fixed PIV slots addressed by CKA_ID 1..25 (ykcs11), not in free-form objects. */
  pivSlots: boolean;
  /** Operations may wait for a physical touch (YubiKey touch policy). */
  touchCapable: boolean;
  /** The module sees a token that came back only after C_Finalize + C_Initialize (SoftHSM2 caches its slots). */
  reinitAfterRemoval: boolean;
  /**
   * The token is software in this process (no device I/O): its short operations run synchronously, which beats the
   * thread-pool hop of the *Async calls; hardware tokens (cards, YubiKeys waiting for a touch) never block the KMS.
   */
  softwareToken: boolean;
  /** Matches CK_INFO.manufacturerID / file name of a module. */
  manufacturer: RegExp;
  fileName: RegExp;
  paths: Partial<Record<NodeJS.Platform, string[]>>;
}

export const PROFILES: readonly Pkcs11Profile[] = [
  {
    id: 'softhsm2',
    name: 'SoftHSM2',
    tokenCountsPinFailures: false,
    pivSlots: false,
    touchCapable: false,
    reinitAfterRemoval: true,
    softwareToken: true,
    manufacturer: /softhsm/i,
    fileName: /softhsm2/i,
    paths: {
      linux: ['/usr/lib/softhsm/libsofthsm2.so', '/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'],
      darwin: ['/opt/homebrew/lib/softhsm/libsofthsm2.so', '/usr/local/lib/softhsm/libsofthsm2.so'],
      win32: ['C:\\SoftHSM2\\lib\\softhsm2-x64.dll'],
    },
  },
  {
    id: 'ykcs11',
    name: 'Yubico YKCS11 (PIV)',
    tokenCountsPinFailures: true,
    pivSlots: true,
    touchCapable: true,
    reinitAfterRemoval: false,
    softwareToken: false,
    manufacturer: /yubico/i,
    fileName: /ykcs11/i,
    paths: {
      linux: ['/usr/lib/x86_64-linux-gnu/libykcs11.so', '/usr/lib/aarch64-linux-gnu/libykcs11.so', '/usr/local/lib/libykcs11.so', '/usr/lib64/libykcs11.so'],
      darwin: ['/usr/local/lib/libykcs11.dylib', '/opt/homebrew/lib/libykcs11.dylib'],
      win32: ['C:\\Program Files\\Yubico\\Yubico PIV Tool\\bin\\libykcs11.dll'],
    },
  },
  {
    id: 'opensc',
    name: 'OpenSC',
    tokenCountsPinFailures: true,
    pivSlots: false,
    touchCapable: false,
  reinitAfterRemoval: false,
  softwareToken: false,
    manufacturer: /opensc/i,
    fileName: /opensc-pkcs11/i,
    paths: {
      linux: ['/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so', '/usr/lib/aarch64-linux-gnu/opensc-pkcs11.so', '/usr/lib64/opensc-pkcs11.so', '/usr/lib/opensc-pkcs11.so'],
      darwin: ['/Library/OpenSC/lib/opensc-pkcs11.so', '/opt/homebrew/lib/opensc-pkcs11.so'],
      win32: ['C:\\Program Files\\OpenSC Project\\OpenSC\\pkcs11\\opensc-pkcs11.dll'],
    },
  },
];

/** Unknown modules: assume the token counts its own PINs (smart cards do) but still refuse a final try. */
export const GENERIC_PROFILE: Pkcs11Profile = {
  id: 'generic',
  name: 'PKCS#11 module',
  tokenCountsPinFailures: true,
  pivSlots: false,
  touchCapable: false,
  reinitAfterRemoval: false,
  softwareToken: false,
  manufacturer: /^$/,
  fileName: /^$/,
  paths: {},
};

export function profileFor(modulePath: string, manufacturerId?: string): Pkcs11Profile {
  const byManufacturer = manufacturerId ? PROFILES.find((p) => p.manufacturer.test(manufacturerId)) : undefined;
  return byManufacturer ?? PROFILES.find((p) => p.fileName.test(path.basename(modulePath))) ?? GENERIC_PROFILE;
}

export interface ModuleEntry {
  path: string;
  /** Where the entry came from: the environment override, the configuration, or a known profile found installed. */
  source: 'env' | 'config' | 'profile';
}

export interface DiscoverOptions {
  /** Explicit paths (from the KMS configuration), tried before the profiles. */
  configured?: string[];
  env?: NodeJS.ProcessEnv;
  platform?: NodeJS.Platform;
  exists?: (p: string) => boolean;
}

/**
 * The modules to load. `OWKMS_PKCS11_MODULES` (a path list, `:` or `;` per platform) replaces everything else;
 * otherwise configured paths plus the first installed path of each known profile.
 */
export function discoverModules(opts: DiscoverOptions = {}): ModuleEntry[] {
  const env = opts.env ?? process.env;
  const platform = opts.platform ?? process.platform;
  const exists = opts.exists ?? existsSync;
  const override = env.OWKMS_PKCS11_MODULES;
  if (override !== undefined && override.trim() !== '') {
    const sep = platform === 'win32' ? ';' : ':';
    return unique(override.split(sep).map((p) => p.trim()).filter((p) => p !== '')).map((p) => ({ path: p, source: 'env' }));
  }
  const entries: ModuleEntry[] = (opts.configured ?? []).map((p) => ({ path: p, source: 'config' }));
  for (const profile of PROFILES) {
    const found = (profile.paths[platform] ?? []).find((p) => exists(p));
    if (found) entries.push({ path: found, source: 'profile' });
  }
  const seen = new Set<string>();
  return entries.filter((e) => (seen.has(e.path) ? false : (seen.add(e.path), true)));
}

function unique(list: string[]): string[] {
  return [...new Set(list)];
}
