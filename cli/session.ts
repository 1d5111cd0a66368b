// Where a one-shot owkms command sends its requests: to a running agent that serves the same keystore (a session:
// no KMS to spawn, no Argon2 per call), else to a KMS of its own. $OWKMS_NO_AGENT=1 forces the latter.
import { connect } from 'node:net';
import { rmdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { KmsError } from '../kms-process/api/errors.js';
import { ChannelClient } from '../kms-process/client/channelClient.js';
import { KmsHost, type KmsHostOptions } from '../kms-process/client/kmsHost.js';
import { streamPort } from '../kms-process/client/lineStreamPort.js';
import { AGENT_CALL_TIMEOUT_MS, AGENT_HELLO, type AgentHelloResult } from '../agent/agentProtocol.js';
import { clientSocketPath, SESSION_ENV } from '../agent/socketPath.js';

export interface KmsConnection {
  client: ChannelClient;
  viaAgent: boolean;
  close(): Promise<void>;
  /** Remove the store folders this run made for kms.init (only while empty): a failed init leaves nothing behind. */
  discardMadeStore?(): void;
}

function connectSocket(path: string): Promise<import('node:net').Socket | undefined> {
  return new Promise((done) => {
    const s = connect(path);
    s.once('connect', () => done(s));
    s.once('error', () => done(undefined)); // no agent (ENOENT, ECONNREFUSED, EACCES): go one-shot
  });
}

/** A session with the agent for `storeDir`, or undefined when no agent serves it. */
export async function agentSession(storeDir: string, env: NodeJS.ProcessEnv = process.env): Promise<KmsConnection | undefined> {
  if (env.OWKMS_NO_AGENT === '1') return undefined;
  const socket = await connectSocket(clientSocketPath(env));
  if (!socket) return undefined;
  const client = new ChannelClient(streamPort(socket, socket), AGENT_CALL_TIMEOUT_MS);
  const close = async () => {
    client.close();
    socket.destroy();
  };
  const wanted = resolve(storeDir);
  try {
    const hello = (await client.callUnchecked(AGENT_HELLO, { role: 'cli', session: env[SESSION_ENV] ?? '' })) as AgentHelloResult;
    if (hello.store !== wanted) {
      await close();
      return undefined; // the agent serves another keystore
    }
    return { client, viaAgent: true, close };
  } catch (e) {
    await close();
    // Refused: if the agent serves this keystore, its lock is held and a one-shot KMS could not open it either.
    if (e instanceof KmsError && e.kind === 'POLICY_DENIED' && e.data.path !== undefined && e.data.path !== wanted) return undefined;
    throw e;
  }
}

/** The agent's session when one serves `storeDir`, else a KMS child of this process. */
export async function openKms(storeDir: string, o: Pick<KmsHostOptions, 'sandbox' | 'createStore'> = {}): Promise<KmsConnection> {
  const session = await agentSession(storeDir);
  if (session) return session;
  return openOwnKms(storeDir, { callers: ['cli'], holder: 'owkms cli', ...o });
}

/** A KMS child of this process, whether or not an agent runs. */
export async function openOwnKms(storeDir: string, o: Pick<KmsHostOptions, 'callers' | 'holder' | 'sandbox' | 'createStore'>): Promise<KmsConnection> {
  const host = await KmsHost.start({ storeDir, transport: 'stdio', stderr: 'inherit', ...o });
  return {
    client: host.client,
    viaAgent: false,
    close: () => host.stop(),
    discardMadeStore: () => {
      const first = host.madeStore;
      if (!first) return;
      // Deepest first, up to the first folder this run made; a folder with anything in it stays.
      for (let d = resolve(storeDir); ; d = dirname(d)) {
        try {
          rmdirSync(d);
        } catch {
          return;
        }
        if (d === resolve(first) || dirname(d) === d) return;
      }
    },
  };
}
