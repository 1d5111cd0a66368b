// flow.getSettings / flow.updateSettings: the renderer reads the settings and asks for a change; a change that
// protects less is shown in the trusted approval prompt (before and after) and applied only if the user approves.
import { KmsError } from '../../kms-process/api/errors.js';
import type { ApprovalQueue } from './approvalQueue.js';
import { AUTO_LOCK_CHOICES, KEY_CACHE_CHOICES, parseSettingsChange, weakenings, type DesktopSettings, type SettingsStore } from './desktopSettings.js';

export interface SettingsAnswer extends DesktopSettings {
  choices: { autoLockMinutes: readonly number[]; keyCacheSeconds: readonly number[] };
}

export class SettingsFlow {
  constructor(
    private readonly store: SettingsStore,
    private readonly approvals: ApprovalQueue,
    /** Puts settings into effect (auto-lock's idle time, the KMS's key cache). */
    private readonly apply: (s: DesktopSettings) => Promise<void>,
  ) {}

  get(): SettingsAnswer {
    return { ...this.store.get(), choices: { autoLockMinutes: AUTO_LOCK_CHOICES, keyCacheSeconds: KEY_CACHE_CHOICES } };
  }

  async update(params: Record<string, unknown>): Promise<SettingsAnswer> {
    const old = this.store.get();
    const next = { ...old, ...parseSettingsChange(params) };
    const weaker = weakenings(old, next);
    if (weaker.length > 0) {
      const approved = await this.approvals.request({
        method: 'settings',
        action: 'Protect your wallet less',
        caller: 'ui',
        what: { kind: 'sections', sections: weaker.map((w) => ({ title: w.label, rows: [{ label: 'Now', value: w.before }, { label: 'New', value: w.after }] })) },
        warning: 'Someone with access to this computer could use your keys for longer.',
      });
      if (!approved) throw new KmsError('APPROVAL_DENIED', 'the user kept the current settings');
    }
    await this.apply(next);
    this.store.save(next);
    return this.get();
  }
}
