// main/core as Electron's main builds it, under Node: a real KMS child behind the supervisor, scripted prompts.
import type { BackupFiles } from '../../../main/core/backupFlows.js';
import type { SenderInfo } from '../../../main/core/senderCheck.js';
import { createMainCore, type MainCore } from '../../../main/core/mainCore.js';
import { NodeKmsSpawner } from '../../../main/core/nodeKmsSpawner.js';
import type { RateLimit } from '../../../main/core/rateLimiter.js';
import type { WalletEvent } from '../../../main/core/wire.js';
import { removeDir, tempDir } from '../../helpers/kms.js';
import { ScriptedPrompts } from './scriptedPrompts.js';

export const ORIGIN = 'app://wallet';
export const TOP: SenderInfo = { id: 'w1', frameUrl: 'app://wallet/index.html', isMainFrame: true };

export interface CoreFixture {
  core: MainCore;
  prompts: ScriptedPrompts;
  events: WalletEvent[];
  /** Every call main made to the KMS, with the caller it stamped. */
  forwarded: Array<{ method: string; caller: string }>;
  close(): Promise<void>;
}

export async function startCore(opts: { rateLimit?: RateLimit; approvals?: { maxQueued: number; timeoutMs: number }; settingsFile?: string; files?: BackupFiles } = {}): Promise<CoreFixture> {
  const dir = tempDir('owkms-core-');
  const prompts = new ScriptedPrompts();
  const events: WalletEvent[] = [];
  const core = createMainCore({
    spawner: new NodeKmsSpawner({ storeDir: dir, stderr: 'pipe' }),
    prompts,
    appOrigin: ORIGIN,
    notify: (e) => events.push(e),
    ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
    ...(opts.approvals ? { approvals: opts.approvals } : {}),
    ...(opts.settingsFile ? { settingsFile: opts.settingsFile } : {}),
    ...(opts.files ? { files: opts.files } : {}),
  });
  const forwarded: CoreFixture['forwarded'] = [];
  const call = core.supervisor.call.bind(core.supervisor);
  core.supervisor.call = (method, params, caller) => {
    forwarded.push({ method, caller });
    return call(method, params, caller);
  };
  await core.start();
  return {
    core,
    prompts,
    events,
    forwarded,
    close: async () => {
      await core.stop();
      removeDir(dir);
    },
  };
}
