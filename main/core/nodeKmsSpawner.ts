// The KMS under plain Node (the e2e harness, start:chromium, tests): child_process.fork of the same entry that
// Electron forks as a utilityProcess, through the shared KmsHost (minimal environment, fresh channel token).
import type { Caller } from '../../kms-process/api/callers.js';
import { KmsHost, type KmsHostOptions } from '../../kms-process/client/kmsHost.js';
import type { KmsProcess, KmsSpawner } from './kmsSpawner.js';

export class NodeKmsSpawner implements KmsSpawner {
  /** The running host, for tests that kill the KMS mid-call. */
  current: KmsHost | undefined;

  constructor(private readonly options: Omit<KmsHostOptions, 'callers' | 'transport'>) {}

  async spawn(callers: Caller[]): Promise<KmsProcess> {
    const host = new KmsHost({ ...this.options, callers, transport: 'ipc' });
    const exitListeners: Array<(reason: string) => void> = [];
    let exited: string | undefined;
    const exit = (reason: string) => {
      if (exited !== undefined) return;
      exited = reason;
      for (const l of exitListeners) l(reason);
    };
    host.onExit((code, signal) => exit(signal ? `killed by ${signal}` : `exited with code ${code}`));
    try {
      await host.start();
    } catch (e) {
      await host.stop(500);
      throw e;
    }
    // The channel closes (and fails pending calls) before the process's 'exit': the supervisor hears it then, so no
    // call goes to a dead channel in between.
    host.client.onClose((reason) => exit(`channel closed (${reason})`));
    this.current = host;
    return {
      pid: host.child?.pid,
      call: (method, params, caller) => host.client.callUnchecked(method, params, { caller }),
      onExit: (l) => (exited !== undefined ? l(exited) : exitListeners.push(l)),
      stop: () => host.stop(),
    };
  }
}
