// Where the agent's socket lives: $XDG_RUNTIME_DIR/owkms/agent.sock (a per-user tmpfs the login session owns), else a
// 0700 folder of our own under the system temp folder; a named pipe on Windows. $OWKMS_SOCKET overrides it.
import { lstatSync, mkdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { KmsError } from '../kms-process/api/errors.js';

export const SOCKET_ENV = 'OWKMS_SOCKET';
/** The session token that gives an owkms client `cli` rights over the agent (see README: the agent's threat model). */
export const SESSION_ENV = 'OWKMS_SESSION';

export function defaultSocketPath(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  // Windows: named pipes live in their own namespace; the name carries the user. (This code path is untested here.)
  if (platform === 'win32') return `\\\\.\\pipe\\owkms-agent-${userInfo().username}`;
  if (env.XDG_RUNTIME_DIR) return join(env.XDG_RUNTIME_DIR, 'owkms', 'agent.sock');
  return join(tmpdir(), `owkms-${process.getuid?.() ?? 'user'}`, 'agent.sock');
}

/** The socket a client connects to: $OWKMS_SOCKET, else the default. */
export function clientSocketPath(env: NodeJS.ProcessEnv = process.env): string {
  return env[SOCKET_ENV] || defaultSocketPath(env);
}

/**
 * Make the socket's folder (0700) and check that it is ours: a real folder, owned by this user, closed to others. A
 * folder someone else made first (or a symlink) could let them swap the socket, so it is refused, not repaired.
 */
export function prepareSocketDir(socketPath: string): void {
  if (process.platform === 'win32') return;
  const dir = dirname(socketPath);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const st = lstatSync(dir);
  const uid = process.getuid!();
  if (!st.isDirectory() || st.isSymbolicLink()) throw new KmsError('POLICY_DENIED', `the agent's folder ${dir} is not a folder`);
  if (st.uid !== uid) throw new KmsError('POLICY_DENIED', `the agent's folder ${dir} belongs to another user`);
  if ((st.mode & 0o077) !== 0) throw new KmsError('POLICY_DENIED', `the agent's folder ${dir} is open to other users (mode ${(st.mode & 0o777).toString(8)})`);
}
