// How kms.status words what the kernel accepted: a missing layer or ABI feature is named, never silently dropped.
import { describe, expect, it } from 'vitest';
import type { SandboxOutcome, SandboxPlan } from '../../../native/harden/index.js';
import { sandboxStatus } from '../../../kms-process/sandbox/sandboxStatus.js';

const plan: SandboxPlan = { readOnly: ['/app'], readWrite: ['/store'], devices: [], tcpConnect: [2321], scopeAbstractUnix: true, scopeSignal: true };
const threads = [{ tid: 2, outcome: 'restricted' }, { tid: 3, outcome: 'signals blocked' }, { tid: 1, outcome: 'restricted' }];
const seccomp = { enforced: true, arch: 'x86_64', denied: ['execve'] };

function outcome(landlock: Partial<SandboxOutcome['landlock']>): SandboxOutcome {
  return { noNewPrivs: true, landlock: { abi: 7, handledFs: 0xffff, handledNet: 3, scoped: 3, skipped: [], threads, ...landlock }, seccomp };
}

describe('sandboxStatus', () => {
  it('ABI 7, every reachable thread restricted: enforced, naming the one thread out of reach', () => {
    const s = sandboxStatus(outcome({}), plan, []);
    expect(s.landlock).toMatchObject({ state: 'enforced', abi: 7, threads: { restricted: 2, outside: [{ tid: 3, reason: 'signals blocked' }] }, tcpConnect: [2321] });
    expect(s.landlock.detail).toMatch(/on 2 of 3 threads; outside: thread 3 \(signals blocked\)/);
  });

  it('an older kernel: partial, saying which rules it lacks', () => {
    const s = sandboxStatus(outcome({ abi: 3, handledNet: 0, scoped: 0 }), plan, []);
    expect(s.landlock.state).toBe('partial');
    expect(s.landlock.detail).toContain('TCP rules need Landlock ABI 4 (this kernel has 3)');
    expect(s.landlock.detail).toContain('scopes need Landlock ABI 6');
    expect(s.landlock.detail).toContain('ioctl on devices is not restricted before Landlock ABI 5');
    expect(s.landlock.tcpConnect).toEqual([]);
  });

  it('a thread that did not answer, or a failed main thread: partial', () => {
    expect(sandboxStatus(outcome({ threads: [{ tid: 2, outcome: 'no answer' }, { tid: 1, outcome: 'restricted' }] }), plan, []).landlock.state).toBe('partial');
    expect(sandboxStatus(outcome({ threads: [{ tid: 1, outcome: 'failed: Operation not permitted' }] }), plan, []).landlock.state).toBe('partial');
    expect(sandboxStatus(outcome({ threadError: 'signal SIGRTMIN+7 is in use by something else in this process' }), plan, []).landlock.detail).toContain('SIGRTMIN+7');
  });

  it('no Landlock, no seccomp, no addon: unavailable with the reason', () => {
    const s = sandboxStatus({ ...outcome({ abi: 0, error: 'the kernel has no Landlock (ENOSYS)' }), seccomp: { enforced: false, denied: [], error: 'the kernel has no seccomp filters (Invalid argument)' } }, plan, []);
    expect(s.landlock).toMatchObject({ state: 'unavailable', detail: 'the kernel has no Landlock (ENOSYS)' });
    expect(s.seccomp).toMatchObject({ state: 'unavailable', detail: 'the kernel has no seccomp filters (Invalid argument)' });
    const none = sandboxStatus({ unavailable: 'hardening addon not built (/x/harden.node)' }, plan, []);
    expect([none.noNewPrivs.state, none.landlock.state, none.seccomp.state]).toEqual(['unavailable', 'unavailable', 'unavailable']);
    expect(none.landlock.detail).toContain('not built');
  });
});
