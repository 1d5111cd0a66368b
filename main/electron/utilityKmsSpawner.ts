// The KMS under Electron: utilityProcess.fork of the same entry file Node forks in the harness. The channel is the
// utility process's message port (the KMS picks process.parentPort), authenticated by a fresh token passed in a
// minimal environment, exactly as KmsHost does for child_process.
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { utilityProcess, type UtilityProcess } from 'electron';
import { CHANNEL_TOKEN_ENV, type Port } from '../../kms-process/api/channelProtocol.js';
import type { Caller } from '../../kms-process/api/callers.js';
import { ChannelClient } from '../../kms-process/client/channelClient.js';
import { PASSED_ENV } from '../../kms-process/client/kmsHost.js';
import type { KmsProcess, KmsSpawner } from '../core/kmsSpawner.js';
import { KMS_SERVICE_NAME } from './settings.js';

function utilityPort(child: UtilityProcess): Port {
  const closeListeners: Array<(reason: string) => void> = [];
  let closed = false;
  child.on('exit', (code) => {
    if (closed) return;
    closed = true;
    for (const l of closeListeners) l(`exited with code ${code}`);
  });
  // A text port: the KMS accepts only JSON text on its parentPort, whose size it checks before parsing.
  return {
    text: true,
    coalesce: true,
    send: (message) => {
      if (!closed) child.postMessage(typeof message === 'string' ? message : JSON.stringify(message));
    },
    onMessage: (listener) => child.on('message', (m: unknown) => listener(m)),
    onClose: (listener) => closeListeners.push(listener),
    close: () => child.kill(),
  };
}

export class UtilityKmsSpawner implements KmsSpawner {
  constructor(private readonly options: { entry: string; storeDir: string; holder?: string }) {}

  async spawn(callers: Caller[]): Promise<KmsProcess> {
    // The app's own data folder: made here (the sandboxed KMS reaches only a store folder that exists at its start).
    mkdirSync(this.options.storeDir, { recursive: true, mode: 0o700 });
    const token = randomBytes(32).toString('base64url');
    const env: Record<string, string> = { [CHANNEL_TOKEN_ENV]: token };
    for (const k of PASSED_ENV) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    const child = utilityProcess.fork(this.options.entry, ['--store', this.options.storeDir, '--transport', 'electron', '--holder', this.options.holder ?? 'OpenWallet'], {
      env,
      execArgv: ['--disallow-code-generation-from-strings'],
      stdio: ['ignore', 'ignore', 'inherit'],
      serviceName: KMS_SERVICE_NAME,
    });
    const exitListeners: Array<(reason: string) => void> = [];
    let exited: string | undefined;
    child.on('exit', (code) => {
      exited = `exited with code ${code}`;
      for (const l of exitListeners) l(exited);
    });
    const client = new ChannelClient(utilityPort(child));
    try {
      await client.hello(token, callers);
    } catch (e) {
      child.kill();
      throw e;
    }
    return {
      pid: child.pid,
      call: (method, params, caller) => client.callUnchecked(method, params, { caller }),
      onExit: (l) => (exited !== undefined ? l(exited) : exitListeners.push(l)),
      stop: () =>
        new Promise<void>((resolve) => {
          if (exited !== undefined) return resolve();
          const t = setTimeout(() => child.kill(), 3000);
          child.once('exit', () => {
            clearTimeout(t);
            resolve();
          });
          client.close(); // the KMS exits when its parent port closes
          child.kill();
        }),
    };
  }
}
