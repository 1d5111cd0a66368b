// Typed loader for the hardening addon (see src/harden.cc). Where it is not built, the KMS runs and says so.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface HardeningReport {
  /** Linux: whether the process is still dumpable (false is what we want). */
  dumpable?: boolean;
  coreLimitZero?: boolean;
  /** macOS: PT_DENY_ATTACH succeeded. */
  denyAttach?: boolean;
  error?: string;
  /** Why nothing was done (addon not built for this platform). */
  unavailable?: string;
}

/** What the Linux sandbox should allow; everything else is denied where the kernel can deny it. */
export interface SandboxPlan {
  /** Files or directories readable (and directories listable), nothing more. */
  readOnly: string[];
  /** Directories (or files) the KMS reads and writes: its store. Never execute, never special files. */
  readWrite: string[];
  /** Device files read, written and ioctl'd (the TPM). */
  devices: string[];
  /** TCP ports the KMS may connect to (Landlock matches the port, not the address). No port may be bound. */
  tcpConnect: number[];
  /** Landlock scopes (ABI 6): no connecting to abstract UNIX sockets made outside the sandbox; no signalling out. */
  scopeAbstractUnix: boolean;
  scopeSignal: boolean;
}

/** What the kernel accepted, as the addon reports it. */
export interface SandboxOutcome {
  noNewPrivs: boolean;
  noNewPrivsError?: string;
  landlock: {
    abi: number;
    error?: string;
    handledFs: number;
    handledNet: number;
    scoped: number;
    skipped: Array<{ path: string; reason: string }>;
    /** Every thread of the process at restriction time (the calling one last) and what happened to it. */
    threads: Array<{ tid: number; outcome: string }>;
    threadError?: string;
  };
  seccomp: { enforced: boolean; arch?: string; denied: string[]; error?: string };
}

interface Binding {
  harden(): HardeningReport;
  dumpable(): boolean | undefined;
  sandbox?(plan: SandboxPlan): SandboxOutcome | undefined;
  landlockAbi?(): number | undefined;
}

function binding(): Binding | string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) {
      const file = join(dir, 'native', 'harden', 'build', 'Release', 'harden.node');
      if (!existsSync(file)) return `hardening addon not built (${file})`;
      return createRequire(import.meta.url)(file) as Binding;
    }
    if (dirname(dir) === dir) return 'package root not found';
  }
}

/** Make this process non-dumpable and core-less; returns what the OS reports. Never throws. */
export function hardenProcess(): HardeningReport {
  try {
    const b = binding();
    return typeof b === 'string' ? { unavailable: b } : b.harden();
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : 'hardening failed' };
  }
}

/**
 * Apply the Linux sandbox to the whole process (see src/sandboxBinding.cc). Irreversible. Returns the addon's
 * report, or why nothing was applied (no addon, not Linux).
 */
export function applySandbox(plan: SandboxPlan): SandboxOutcome | { unavailable: string } {
  try {
    const b = binding();
    if (typeof b === 'string') return { unavailable: b };
    const out = b.sandbox?.(plan);
    return out ?? { unavailable: `no sandbox for ${process.platform} in this addon` };
  } catch (e) {
    return { unavailable: e instanceof Error ? e.message : 'sandbox failed' };
  }
}
