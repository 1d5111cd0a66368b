// `owkms agent [--socket PATH] [--lock-after SECONDS]`: the local key service in the foreground. It opens the
// keystore in a KMS of its own, unlocks it when the secrets are at hand, listens on the socket and prints the
// variables a shell needs (like ssh-agent): OWKMS_SOCKET, and OWKMS_SESSION, the token that gives owkms `cli` rights.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { KmsError } from '../kms-process/api/errors.js';
import { KmsHost } from '../kms-process/client/kmsHost.js';
import type { AgentServer } from '../agent/agentServer.js';
import { defaultSocketPath, SOCKET_ENV } from '../agent/socketPath.js';
import { readSecret, secretGiven, type SecretSource } from './secrets.js';
import { terminalApprover } from './terminalApprover.js';
import { pkcs11ModulePath } from './pkcs11ModulePath.js';

export const DEFAULT_LOCK_AFTER_S = 15 * 60;

export interface AgentCommandOptions {
  storeDir: string;
  socket?: string | undefined;
  lockAfter?: string | undefined;
  json: boolean;
  passphrase: SecretSource;
  pin: SecretSource;
}

function lockAfterMs(text: string | undefined): number {
  if (text === undefined) return DEFAULT_LOCK_AFTER_S * 1000;
  const s = Number(text);
  if (!Number.isSafeInteger(s) || s < 0 || s > 7 * 24 * 3600) throw new KmsError('INVALID_REQUEST', '--lock-after takes whole seconds (0: never)');
  return s * 1000;
}

/** Unlock at start with the secrets given or asked on a terminal; without them the agent starts locked. */
async function unlockAtStart(host: KmsHost, o: AgentCommandOptions): Promise<string> {
  const status = await host.client.call('kms.status', { probe: false }, { caller: 'cli' });
  if (status.state !== 'locked') return status.state;
  const secrets: { passphrase?: string; pin?: string } = {};
  const interactive = process.stdin.isTTY === true;
  for (const need of status.unlockNeeds ?? []) {
    const src = need === 'passphrase' ? o.passphrase : o.pin;
    if (!secretGiven(src) && !interactive) return 'locked';
    secrets[need] = await readSecret(src);
  }
  await host.client.call('kms.unlock', secrets, { caller: 'cli' });
  return 'unlocked';
}

export async function runAgent(o: AgentCommandOptions): Promise<number> {
  const ms = lockAfterMs(o.lockAfter);
  const storeDir = resolve(o.storeDir);
  const socketPath = o.socket ?? process.env[SOCKET_ENV] ?? defaultSocketPath();
  // Loaded here, not at owkms start: the server pulls in the protocol's schemas, which every other command skips.
  const { AgentServer } = await import('../agent/agentServer.js');
  // The agent serves kms.init for its sessions (like the desktop app), so it makes the store folder (0700) up front.
  const host = await KmsHost.start({ storeDir, transport: 'ipc', callers: ['cli', 'pkcs11', 'app'], holder: 'owkms agent', stderr: 'inherit', createStore: true });
  let server: AgentServer | undefined;
  // A lock replaces the KMS process (nothing of the old heap survives); that exit is not the KMS ending.
  let replacing = false;
  const lockAndReplace = async () => {
    replacing = true;
    try {
      await host.lockAndRestart();
    } finally {
      replacing = false;
    }
  };
  try {
    const state = await unlockAtStart(host, o);
    server = new AgentServer({ kms: () => host.client, storeDir, socketPath, lockAfterMs: ms, approver: terminalApprover(), ownCaller: 'cli', lockAndReplace });
    await server.listen();
    const session = server.tokens.issue();
    if (o.json) process.stdout.write(JSON.stringify({ socket: socketPath, session, pid: process.pid, state }) + '\n');
    else process.stdout.write(`${SOCKET_ENV}=${socketPath}; export ${SOCKET_ENV};\nOWKMS_SESSION=${session}; export OWKMS_SESSION;\necho owkms agent pid ${process.pid};\n`);
    const module = pkcs11ModulePath();
    process.stderr.write(`owkms agent: serving ${storeDir} (${state}) on ${socketPath}; PKCS#11 module: ${existsSync(module) ? module : 'not built'}\n`);
  } catch (e) {
    await server?.close();
    await host.stop();
    throw e;
  }
  const running = server;
  return new Promise<number>((done) => {
    let stopping = false;
    const stop = async (code: number) => {
      if (stopping) return;
      stopping = true;
      await running.close();
      await host.stop();
      done(code);
    };
    process.once('SIGINT', () => void stop(0));
    process.once('SIGTERM', () => void stop(0));
    host.onExit(() => {
      if (stopping || replacing) return;
      process.stderr.write('owkms agent: the KMS process ended; stopping\n');
      void stop(1);
    });
  });
}
