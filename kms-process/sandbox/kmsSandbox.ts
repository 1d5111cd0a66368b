// The KMS restricts itself once, at start, before it reads its keystore: plan what it needs, apply it to every
// thread, and keep the kernel's answer for kms.status. There is no way back and no way to widen it later.
import { dirname, resolve } from 'node:path';
import { applySandbox } from '../../native/harden/index.js';
import type { SandboxStatus } from '../api/index.js';
import { appLocation } from '../appLocation.js';
import { planSandbox } from './sandboxPlan.js';
import { readSandboxNeeds } from './sandboxNeeds.js';
import { sandboxOff, sandboxStatus } from './sandboxStatus.js';

export interface SandboxRequest {
  storeDir: string;
  /** TCTIs the parent names (`--allow-tcti`, e.g. `owkms init --tcti`), besides $OWKMS_TCTI and the store's own. */
  tctis: string[];
  /** `host:port` endpoints the parent names (`--allow-connect`): remote KMS servers. */
  connect: string[];
  /** Folders the parent names besides the store (`--allow-write`): where owkms doctor writes a salvaged keystore. */
  write?: string[];
  /** Set when the parent asked for no sandbox (`--no-sandbox`: profiling); the reason is reported. */
  off?: string;
}

/** What the other systems offer instead, until they get their own layer. */
const ELSEWHERE: Partial<Record<NodeJS.Platform, string>> = {
  darwin: 'no in-process sandbox on macOS: the app is signed with the hardened runtime and the KMS denies debugger attach (PT_DENY_ATTACH)',
  win32: 'no in-process sandbox on Windows: the KMS runs as a separate process of the user; a job object or AppContainer is not applied',
};

export function sandboxKms(req: SandboxRequest): SandboxStatus {
  if (req.off) return sandboxOff(req.off);
  const other = ELSEWHERE[process.platform];
  if (other) return { noNewPrivs: { state: 'unavailable', detail: other }, landlock: { state: 'unavailable', detail: other }, seccomp: { state: 'unavailable', detail: other } };
  const storeDir = resolve(req.storeDir);
  // A rule can only name a folder that exists: a store folder made later (by anyone) stays out of this KMS's reach.
  const needs = readSandboxNeeds(storeDir);
  const env = process.env;
  const planned = planSandbox({
    storeDir,
    app: appLocation(),
    env,
    tctis: [...req.tctis, ...needs.tctis, ...(env.OWKMS_TCTI ? [env.OWKMS_TCTI] : [])],
    connect: [...req.connect, ...needs.connect],
    write: (req.write ?? []).map((d) => resolve(d)),
    ...(process.versions.electron ? { runtimeDir: dirname(process.execPath) } : {}),
  });
  return sandboxStatus(applySandbox(planned.plan), planned.plan, planned.notes);
}
