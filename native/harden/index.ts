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

interface Binding {
  harden(): HardeningReport;
  dumpable(): boolean | undefined;
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
