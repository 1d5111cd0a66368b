// The wallet's backup from the app (issue 13's kms.backup / kms.restore, as owkms backup / restore do it): main runs
// both as `app` around the trusted backup prompt and the OS's file dialogs. The backup passphrase is typed in the
// prompt, the file is chosen in the OS's dialog and written or read by main; the encrypted backup (an offline
// brute-force target) never reaches the renderer, which learns where the file went and what it holds (counts).
import { basename } from 'node:path';
import { fromB64u, toB64u } from '../../kms-process/api/bytes.js';
import { MIN_BACKUP_PASSPHRASE } from '../../kms-process/api/backupMethods.js';
import { KmsError, isKmsError } from '../../kms-process/api/errors.js';
import { readBackupFile, writeBackupFile } from '../../kms-process/client/backupFile.js';
import type { KmsCaller } from './broker.js';
import { askUntil, type PromptHost } from './prompts.js';
import type { BackupRestored, BackupSaved } from './wire.js';
import { MIN_PASSPHRASE, newPassphraseRefusal, parseWalletChoice, secretErrorText, type FlowEvents } from './trustedFlows.js';

/** The OS's file dialogs (Electron: dialog.showSaveDialog / showOpenDialog; the harness: what a test chooses). */
export interface BackupFiles {
  /** Where to save a new backup: a path the user chose (having agreed to replace a file already there), or undefined. */
  chooseSave(suggestedName: string): Promise<string | undefined>;
  /** A backup file to restore: a path the user chose, or undefined. */
  chooseOpen(): Promise<string | undefined>;
}

/** Characters as the KMS counts them (NFC code points). */
const length = (s: string) => [...s.normalize('NFC')].length;

/** The name the save dialog suggests: the day, so a folder of backups sorts by age. */
export function suggestedBackupName(now = new Date()): string {
  return `openwallet-backup-${now.toISOString().slice(0, 10)}.owkmsbak`;
}

function noParams(method: string, params: Record<string, unknown>): void {
  if (Object.keys(params).length > 0) throw new KmsError('INVALID_REQUEST', `${method} takes no params`);
}

export class BackupFlows {
  constructor(
    private readonly kms: KmsCaller,
    private readonly prompts: PromptHost,
    private readonly files: BackupFiles,
    private readonly events: FlowEvents,
  ) {}

  private async state(): Promise<string> {
    return ((await this.kms.call('kms.status', { probe: false }, 'app')) as { state: string }).state;
  }

  /**
   * Every key into a file: the backup passphrase typed twice in the backup prompt (at least MIN_BACKUP_PASSPHRASE
   * characters: the file is an offline target), kms.backup as `app`, then the OS's save dialog and an
   * all-or-nothing write that is read back.
   */
  async backup(params: Record<string, unknown>): Promise<BackupSaved> {
    noParams('flow.backup', params);
    const state = await this.state();
    if (state === 'uninitialized') throw new KmsError('NOT_INITIALIZED', 'there is no wallet to back up yet');
    if (state !== 'unlocked') throw new KmsError('LOCKED', 'unlock the wallet to back it up');
    const made = await askUntil(await this.prompts.open('backup'), { purpose: 'backup', minLength: MIN_BACKUP_PASSPHRASE }, async ({ values: v }) => {
      const passphrase = v.backupPassphrase ?? '';
      if (length(passphrase) < MIN_BACKUP_PASSPHRASE) return { retry: `Use at least ${MIN_BACKUP_PASSPHRASE} characters: the file can be attacked offline.` };
      if (passphrase !== v.confirm) return { retry: 'The two passphrases differ.' };
      try {
        return (await this.kms.call('kms.backup', { backupPassphrase: passphrase }, 'app')) as { backup: string; keys: number; versions: number; remotes: number; createdAt: string };
      } catch (e) {
        if (isKmsError(e, 'INVALID_REQUEST')) return { retry: e.message };
        throw e;
      }
    });
    if (!made) return { saved: false };
    const bytes = fromB64u(made.backup);
    if (!bytes) throw new KmsError('INTERNAL', 'the key service answered with a malformed backup');
    const file = await this.files.chooseSave(suggestedBackupName());
    if (!file) return { saved: false };
    writeBackupFile(file, bytes, { replace: true });
    return { saved: true, file, bytes: bytes.length, keys: made.keys, versions: made.versions, remotes: made.remotes, createdAt: made.createdAt };
  }

  /**
   * A backup into this app's empty store, sealed as the user chose in onboarding (the params of flow.createWallet):
   * the OS's open dialog, the backup passphrase in the backup prompt, the new wallet's passphrase (create prompt)
   * and a token's PIN (PIN prompt) as needed, then kms.restore as `app`. A wrong backup passphrase asks it again;
   * anything else (a damaged, edited or newer backup, a wrong PIN) ends the flow with its typed error, nothing written.
   */
  async restore(params: Record<string, unknown>): Promise<BackupRestored> {
    const choice = parseWalletChoice(params);
    if ((await this.state()) !== 'uninitialized') throw new KmsError('ALREADY_INITIALIZED', 'this wallet already exists; a backup is restored into an empty one');
    const path = await this.files.chooseOpen();
    if (!path) return { state: 'uninitialized' };
    const backup = toB64u(readBackupFile(path));
    const askBackupPassphrase = async (error?: string) =>
      askUntil(await this.prompts.open('backup'), { purpose: 'restore', file: basename(path), ...(error ? { error } : {}) }, async ({ values: v }) =>
        (v.backupPassphrase ?? '').length > 0 ? v.backupPassphrase! : { retry: 'Enter the backup passphrase.' },
      );
    let backupPassphrase = await askBackupPassphrase();
    if (backupPassphrase === undefined) return { state: 'uninitialized' };
    let passphrase: string | undefined;
    if (choice.sealers.includes('passphrase')) {
      passphrase = await askUntil(await this.prompts.open('create'), { purpose: 'restore', minLength: MIN_PASSPHRASE, sealers: choice.sealers }, async ({ values }) => {
        const refused = newPassphraseRefusal(values);
        return refused ? { retry: refused } : values.passphrase!;
      });
      if (passphrase === undefined) return { state: 'uninitialized' };
    }
    let pin: string | undefined;
    if (choice.token !== undefined) {
      pin = await askUntil(await this.prompts.open('pin'), { purpose: 'enrol', token: choice.token }, async ({ values: v }) => ((v.pin ?? '').length > 0 ? v.pin! : { retry: 'Enter the PIN.' }));
      if (pin === undefined) return { state: 'uninitialized' };
    }
    const sealers = choice.sealers.map((kind) =>
      kind === 'passphrase' ? { kind, passphrase } : kind === 'pkcs11' ? { kind, token: choice.token, pin } : { kind },
    );
    for (;;) {
      try {
        const r = (await this.kms.call('kms.restore', { backup, backupPassphrase, sealers, unlockPolicy: choice.unlockPolicy }, 'app')) as {
          keys: number;
          versions: number;
          remotes: number;
          restoredFrom: { backedUpAt: string };
        };
        this.events.unlocked();
        return { state: 'unlocked', keys: r.keys, versions: r.versions, remotes: r.remotes, backedUpAt: r.restoredFrom.backedUpAt };
      } catch (e) {
        if (!isKmsError(e, 'WRONG_SECRET') || e.data.path !== 'backupPassphrase') throw e;
        backupPassphrase = await askBackupPassphrase(secretErrorText(e, 'backup passphrase'));
        if (backupPassphrase === undefined) return { state: 'uninitialized' };
      }
    }
  }
}
