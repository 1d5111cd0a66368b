// kms.status's account of the sandbox: for each layer (no_new_privs, Landlock, seccomp) whether it holds, and
// in words what it covers or why it is missing. Nothing here assumes: it restates what the kernel accepted.
import type { SandboxOutcome, SandboxPlan } from '../../native/harden/index.js';
import type { SandboxStatus } from '../api/index.js';

const SCOPES = ['abstract-unix-socket', 'signal'] as const;

function landlockStatus(l: SandboxOutcome['landlock'], plan: SandboxPlan, notes: string[]): SandboxStatus['landlock'] {
  if (l.error) return { state: 'unavailable', detail: l.error, abi: l.abi };
  const restricted = l.threads.filter((t) => t.outcome === 'restricted').length;
  const outside = l.threads.filter((t) => t.outcome !== 'restricted' && t.outcome !== 'exited').map((t) => ({ tid: t.tid, reason: t.outcome }));
  const missing: string[] = [];
  if (l.handledNet === 0) missing.push(`TCP rules need Landlock ABI 4 (this kernel has ${l.abi})`);
  if (l.abi < 6) missing.push(`the abstract-socket and signal scopes need Landlock ABI 6 (this kernel has ${l.abi})`);
  if (l.abi < 3) missing.push('truncating files is not restricted before Landlock ABI 3');
  if (l.abi < 5) missing.push('ioctl on devices is not restricted before Landlock ABI 5');
  if (l.threadError) missing.push(l.threadError);
  // A thread that blocks every signal cannot be reached; any other thread left out is a failure.
  const failed = outside.filter((t) => t.reason !== 'signals blocked');
  const scopes = SCOPES.filter((_, i) => (l.scoped >> i) & 1);
  const state = failed.length > 0 || l.threads.at(-1)?.outcome !== 'restricted' || missing.length > 0 ? 'partial' : 'enforced';
  const parts = [
    `Landlock ABI ${l.abi} on ${restricted} of ${l.threads.length} threads`,
    outside.length ? `outside: ${outside.map((t) => `thread ${t.tid} (${t.reason})`).join(', ')}` : '',
    `read-only: ${plan.readOnly.length} paths, read-write: ${plan.readWrite.length}, devices: ${plan.devices.length}`,
    l.handledNet ? `TCP connect to ports [${plan.tcpConnect.join(', ')}] only, no TCP bind` : '',
    scopes.length ? `scopes: ${scopes.join(', ')}` : '',
    ...missing,
    ...notes,
  ];
  return {
    state,
    detail: parts.filter(Boolean).join('; '),
    abi: l.abi,
    threads: { restricted, outside },
    readOnly: plan.readOnly,
    readWrite: plan.readWrite,
    devices: plan.devices,
    tcpConnect: l.handledNet ? plan.tcpConnect : [],
    scopes: [...scopes],
    skipped: l.skipped,
  };
}

export function sandboxStatus(outcome: SandboxOutcome | { unavailable: string }, plan: SandboxPlan, notes: string[]): SandboxStatus {
  if ('unavailable' in outcome) {
    const layer = { state: 'unavailable' as const, detail: outcome.unavailable };
    return { noNewPrivs: layer, landlock: layer, seccomp: layer };
  }
  const s = outcome.seccomp;
  return {
    noNewPrivs: outcome.noNewPrivs
      ? { state: 'enforced', detail: 'no_new_privs is set on every thread: no setuid or file-capability gain' }
      : { state: 'unavailable', detail: outcome.noNewPrivsError ?? 'PR_SET_NO_NEW_PRIVS did not hold' },
    landlock: landlockStatus(outcome.landlock, plan, notes),
    seccomp: s.enforced
      ? { state: 'enforced', detail: `seccomp filter on every thread (${s.arch}): ${s.denied.join(', ')} fail with EPERM; other ABIs kill the process`, denied: s.denied }
      : { state: 'unavailable', detail: s.error ?? 'seccomp filter not installed' },
  };
}

/** The report when the parent started the KMS with --no-sandbox (profiling, diagnosis). */
export function sandboxOff(reason: string): SandboxStatus {
  const layer = { state: 'off' as const, detail: reason };
  return { noNewPrivs: layer, landlock: layer, seccomp: layer };
}
