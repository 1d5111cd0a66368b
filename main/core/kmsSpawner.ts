// How main starts one KMS process, abstracted so the supervisor is the same under Electron (utilityProcess.fork)
// and under Node (child_process.fork through KmsHost): both end in a ChannelClient authenticated by a token.
import type { Caller } from '../../kms-process/api/callers.js';

export interface KmsProcess {
  readonly pid: number | undefined;
  call(method: string, params: unknown, caller: Caller): Promise<unknown>;
  /** Called once when the process exits or its channel closes, with a short reason. */
  onExit(listener: (reason: string) => void): void;
  /** Ask it to stop (SIGTERM, then kill) and wait for the exit. */
  stop(): Promise<void>;
}

export interface KmsSpawner {
  spawn(callers: Caller[]): Promise<KmsProcess>;
}

/** The callers main speaks for: the renderer's requests as `ui`, its own trusted flows and approved calls as `app`. */
export const MAIN_CALLERS: Caller[] = ['ui', 'app'];
