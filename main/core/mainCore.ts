// The composition root of main's decisions, shared by the Electron shell and the Chromium harness: the KMS
// supervisor, the broker, the approval queue, the trusted flows and auto-lock, wired to one event sink that tells
// the renderer the wallet's state.
import { ApprovalQueue, DEFAULT_APPROVAL_OPTIONS, type ApprovalOptions } from './approvalQueue.js';
import { AutoLock, DEFAULT_IDLE_MS, type LockReason } from './autoLock.js';
import { Broker } from './broker.js';
import type { KmsSpawner } from './kmsSpawner.js';
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
  idleMs?: number;
  /** How often the idle time is checked (default 15 s). */
  idleCheckMs?: number;
  /** The OS's idle time (Electron: powerMonitor.getSystemIdleTime() * 1000); absent, trusted activity counts. */
  systemIdleMs?: () => number;
  rateLimit?: RateLimit;
  backoff?: Backoff;
  approvals?: ApprovalOptions;
}

export interface MainCore {
  supervisor: KmsSupervisor;
  broker: Broker;
  flows: TrustedFlows;
  autoLock: AutoLock;
  approvals: ApprovalQueue;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createMainCore(o: MainCoreOptions): MainCore {
  const supervisor = new KmsSupervisor(o.spawner, o.backoff ?? DEFAULT_BACKOFF);
  const lock = async (reason: LockReason) => {
    await supervisor.call('kms.lock', {}, 'app');
    await supervisor.replace().catch(() => undefined); // nothing of the unlocked heap survives; a failed start is retried
    o.notify({ type: 'locked', reason });
  };
  const autoLock = new AutoLock({ idleMs: o.idleMs ?? DEFAULT_IDLE_MS, lock });
  const flows = new TrustedFlows(supervisor, o.prompts, {
    unlocked: () => {
      autoLock.setUnlocked(true);
      o.notify({ type: 'unlocked' });
    },
  });
  const approvals = new ApprovalQueue(o.prompts, o.approvals ?? DEFAULT_APPROVAL_OPTIONS);
  const broker = new Broker({
    appOrigin: o.appOrigin,
    kms: supervisor,
    approvals,
    flows,
    ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
    onOutcome: (method, outcome) => {
      if (method === 'kms.lock' && outcome === 'ok') {
        autoLock.setUnlocked(false);
        void supervisor.replace().catch(() => undefined); // a failed start is the supervisor's to retry and report
        o.notify({ type: 'locked', reason: 'user' });
      }
    },
  });
  supervisor.onEvent((e) => {
    // A new KMS process starts locked: whatever was unlocked went with the old one.
    if (e.type === 'exited') {
      autoLock.setUnlocked(false);
      o.notify({ type: 'locked', reason: 'kms-exited' });
    } else if (e.type === 'gave-up') o.notify({ type: 'unavailable', message: 'The key service could not be started.' });
  });
  let idleTimer: NodeJS.Timeout | undefined;
  return {
    supervisor,
    broker,
    flows,
    autoLock,
    approvals,
    start: async () => {
      idleTimer = setInterval(() => void autoLock.tick(o.systemIdleMs?.()).catch(() => undefined), o.idleCheckMs ?? 15_000);
      idleTimer.unref();
      await supervisor.start();
      const s = (await supervisor.call('kms.status', { probe: false }, 'app')) as { state: string };
      autoLock.setUnlocked(s.state === 'unlocked');
    },
    stop: () => {
      clearInterval(idleTimer);
      return supervisor.stop();
    },
  };
}
