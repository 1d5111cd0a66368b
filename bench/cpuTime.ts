// CPU time (user + system) of this process and of a KMS child, so that the cost of an operation on each side of
// the channel can be told apart from the machine's load: wall-clock figures move with other processes, these less.
import { readFileSync } from 'node:fs';

/** Linux reports /proc times in USER_HZ ticks, 100 per second on every architecture Node supports. */
const MS_PER_TICK = 1000 / 100;

/** CPU milliseconds a process has used so far (utime + stime from /proc/PID/stat; 10 ms resolution). */
export function processCpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from the 3rd (state) on
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
}

export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** CPU per operation on both sides, summed over every measurement of one variant. */
export class CpuTally {
  private ops = 0;
  private own = 0;
  private child = 0;

  async measure<T extends { ops: number }>(childPid: number | undefined, fn: () => Promise<T> | T): Promise<T> {
    const own0 = ownCpuMs();
    const child0 = childPid === undefined ? 0 : processCpuMs(childPid);
    const out = await fn();
    this.own += ownCpuMs() - own0;
    if (childPid !== undefined) this.child += processCpuMs(childPid) - child0;
    this.ops += out.ops;
    return out;
  }

  /** Microseconds of CPU per operation in this process and in the child. */
  perOpUs(): { own: number; child: number } {
    return { own: (this.own * 1000) / this.ops, child: (this.child * 1000) / this.ops };
  }
}
