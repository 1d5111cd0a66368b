// Command-line sessions the desktop app's person approved (like the 1Password CLI with its app): an owkms client
// without the session token gets `cli` rights when the terminal session it runs in was approved in the app's trusted
// prompt. A terminal session is the kernel's session id (the shell's setsid), bound to its leader's start time so a
// recycled id is a new session. Approvals end after `rememberMs`, and all of them when the wallet locks.
import { readFileSync } from 'node:fs';

export interface TerminalSession {
  /** The session id (the leader's pid). */
  sid: number;
  /** The leader's start time in clock ticks since boot (/proc/PID/stat field 22): tells a recycled pid. */
  leaderStart: string;
  /** The leader's executable (for the prompt: "bash", "zsh"), when it can be read. */
  leaderExe: string | undefined;
}

/** The fields of /proc/PID/stat after the command name (which may hold spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The terminal session of a process, or undefined where /proc cannot tell (not Linux, or the process is gone). */
export function terminalSessionOf(pid: number): TerminalSession | undefined {
  // After the name: state(3) ppid(4) pgrp(5) session(6) ... starttime(22), so index = field - 3.
  const sid = Number(statFields(pid)?.[3]);
  if (!Number.isSafeInteger(sid) || sid <= 0) return undefined;
  const leaderStart = statFields(sid)?.[19];
  if (leaderStart === undefined) return undefined; // the leader is gone: the session cannot be named safely
  let leaderExe: string | undefined;
  try {
    leaderExe = readFileSync(`/proc/${sid}/comm`, 'utf8').trim();
  } catch {
    leaderExe = undefined;
  }
  return { sid, leaderStart, leaderExe };
}

export class ApprovedSessions {
  private readonly approved = new Map<number, { leaderStart: string; until: number }>();

  constructor(private readonly rememberMs: number) {}

  has(s: TerminalSession, now = Date.now()): boolean {
    const a = this.approved.get(s.sid);
    if (!a) return false;
    if (a.leaderStart !== s.leaderStart || now >= a.until) {
      this.approved.delete(s.sid);
      return false;
    }
    return true;
  }

  add(s: TerminalSession, now = Date.now()): void {
    this.approved.set(s.sid, { leaderStart: s.leaderStart, until: now + this.rememberMs });
  }

  clear(): void {
    this.approved.clear();
  }
}
