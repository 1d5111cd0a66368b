// The composition root of main's decisions, shared by the Electron shell and the Chromium harness: the KMS
// supervisor, the broker, the approval queue, the trusted flows and auto-lock, wired to one event sink that tells
// the renderer the wallet's state.
import type { AgentServer } from '../../agent/agentServer.js';
import { startAppAgent } from './appAgent.js';
import { ApprovalQueue, DEFAULT_APPROVAL_OPTIONS, type ApprovalOptions } from './approvalQueue.js';
import { AutoLock, type LockReason } from './autoLock.js';
import { BackupFlows, type BackupFiles } from './backupFlows.js';
import { Broker } from './broker.js';
import { SettingsStore, type DesktopSettings } from './desktopSettings.js';
import { SettingsFlow } from './settingsFlow.js';
import { MAIN_CALLERS, type KmsSpawner } from './kmsSpawner.js';
import type { PromptHost } from './prompts.js';
import type { RateLimit } from './rateLimiter.js';
import { DEFAULT_BACKOFF, KmsSupervisor, type Backoff } from './supervisor.js';
import { TrustedFlows } from './trustedFlows.js';
import type { WalletEvent } from './wire.js';

export interface MainCoreOptions {
  spawner: KmsSpawner;
  prompts: PromptHost;
  appOrigin: string;
  /** Delivers an event to the wallet window (Electron: webContents.send; the harness: the page). */
  notify: (event: WalletEvent) => void;
  /** A fixed idle time (tests); absent, the saved auto-lock setting. */
  idleMs?: number;
  /** Where the desktop settings are kept (JSON); absent, the defaults, not saved. */
  settingsFile?: string;
  /** How often the idle time is checked (default 15 s). */
  idleCheckMs?: number;
  /** The OS's idle time (Electron: powerMonitor.getSystemIdleTime() * 1000); absent, trusted activity counts. */
  systemIdleMs?: () => number;
  rateLimit?: RateLimit;
  backoff?: Backoff;
  approvals?: ApprovalOptions;
  /** The OS's file dialogs for backups (Electron's dialog module); absent, backup and restore answer UNAVAILABLE. */
  files?: BackupFiles;
  /** Serve owkms and the PKCS#11 module on this socket while the app runs (the local key service, issue 16). */
  agent?: { storeDir: string; socketPath: string };
}

export interface MainCore {
  supervisor: KmsSupervisor;
  broker: Broker;
  flows: TrustedFlows;
  autoLock: AutoLock;
  approvals: ApprovalQueue;
  settings: SettingsStore;
  /** The local key service, once started (absent when not asked for, or when it could not listen). */
  agent(): AgentServer | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMainCore(o: MainCoreOptions): MainCore {
  // The agent's clients reach the KMS as cli and pkcs11 over main's channel (the KMS still checks every key's callers).
  const supervisor = new KmsSupervisor(o.spawner, o.backoff ?? DEFAULT_BACKOFF, o.agent ? [...MAIN_CALLERS, 'cli', 'pkcs11'] : MAIN_CALLERS);
  let agent: AgentServer | undefined;
  const lock = async (reason: LockReason) => {
    await supervisor.call('kms.lock', {}, 'app');
    agent?.walletLocked();
    await supervisor.replace().catch(() => undefined); // nothing of the unlocked heap survives; a failed start is retried
    o.notify({ type: 'locked', reason });
  };
  const settings = new SettingsStore(o.settingsFile);
  const idleOf = (s: DesktopSettings) => o.idleMs ?? (s.autoLockMinutes === 0 ? 0 : s.autoLockMinutes * 60_000);
  const autoLock = new AutoLock({ idleMs: idleOf(settings.get()), lock });
  // Each KMS process starts with its command-line cache time: the user's setting is applied after every start.
  const configureKms = () => supervisor.call('kms.configure', { keyCacheMs: settings.get().keyCacheSeconds * 1000 }, 'app');
  const flowEvents = {
    unlocked: () => {
      autoLock.setUnlocked(true);
      o.notify({ type: 'unlocked' as const });
    },
  };
  const flows = new TrustedFlows(supervisor, o.prompts, flowEvents);
  const approvals = new ApprovalQueue(o.prompts, o.approvals ?? DEFAULT_APPROVAL_OPTIONS);
  const settingsFlow = new SettingsFlow(settings, approvals, async (s) => {
    autoLock.setIdleMs(idleOf(s));
    await supervisor.call('kms.configure', { keyCacheMs: s.keyCacheSeconds * 1000 }, 'app');
  });
  const broker = new Broker({
    appOrigin: o.appOrigin,
    kms: supervisor,
    approvals,
    flows,
    settings: settingsFlow,
    ...(o.files ? { backups: new BackupFlows(supervisor, o.prompts, o.files, flowEvents) } : {}),
    ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    onOutcome: (method, outcome) => {
      if (method === 'kms.lock' && outcome === 'ok') {
        agent?.walletLocked();
        autoLock.setUnlocked(false);
        void supervisor.replace().catch(() => undefined); // a failed start is the supervisor's to retry and report
        o.notify({ type: 'locked', reason: 'user' });
      }
    },
  });
  supervisor.onEvent((e) => {
    // A new KMS process starts locked: whatever was unlocked went with the old one.
    if (e.type === 'exited') {
      agent?.walletLocked();
      autoLock.setUnlocked(false);
      o.notify({ type: 'locked', reason: 'kms-exited' });
    } else if (e.type === 'ready') void configureKms().catch(() => undefined);
    else if (e.type === 'gave-up') o.notify({ type: 'unavailable', message: 'The key service could not be started.' });
  });
  let idleTimer: NodeJS.Timeout | undefined;
  return {
    supervisor,
    broker,
    flows,
    autoLock,
    approvals,
    settings,
    agent: () => agent,
    start: async () => {
      idleTimer = setInterval(() => void autoLock.tick(o.systemIdleMs?.()).catch(() => undefined), o.idleCheckMs ?? 15_000);
      idleTimer.unref();
      await supervisor.start();
      const s = (await supervisor.call('kms.status', { probe: false }, 'app')) as { state: string };
      autoLock.setUnlocked(s.state === 'unlocked');
      if (o.agent) {
        agent = await startAppAgent({
          supervisor,
          approvals,
          ...o.agent,
          onLockChange: (locked) => {
            if (locked !== autoLock.isUnlocked) return; // already known
            autoLock.setUnlocked(!locked);
            o.notify(locked ? { type: 'locked', reason: 'user' } : { type: 'unlocked' });
          },
        }).catch((e: unknown) => {
          // Another agent (owkms agent) on the socket, or a folder that is not ours: the app works without it.
          console.warn(`OpenWallet: the local key service is off: ${e instanceof Error ? e.message : 'it could not start'}`);
          return undefined;
        });
      }
    },
    stop: async () => {
      clearInterval(idleTimer);
      await agent?.close();
      agent = undefined;
      return supervisor.stop();
    },
  };
}
