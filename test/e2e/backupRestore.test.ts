// Backup and restore as a user does them in the app (headless Chromium, the real renderer, preloads, broker and KMS;
// the folder stand-in for the OS's file dialogs): Security's "Back up to a file…" asks the backup passphrase in a
// trusted prompt and saves the file; no message the wallet page received holds the passphrase or any part of the
// file. The file then restores with owkms (a different reader of it) and in a second app's onboarding ("Restore from
// a backup file"), where a wrong backup passphrase is asked again and the keys come back under their ids.
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { folderBackupFiles } from '../../main/chromium/folderBackupFiles.js';
import { removeDir, tempDir } from '../helpers/kms.js';
import { jsonOut, owkms } from '../helpers/owkms.js';
import { expectAccessible } from './a11y.js';
import { pageCall, startHarness, type Harness } from './harness.js';
import { clickClosing, fillUnlock, nextPrompt, promptError, waitClosed } from './pages/promptPages.js';
import { expectStatus, WalletPage } from './pages/walletPage.js';

const PASSPHRASE = 'copper-lantern-72';
const BACKUP_PASSPHRASE = 'river stone harbour 1987';
const NEW_PASSPHRASE = 'second-machine-33';

async function fillBackup(prompt: import('playwright-core').Page, passphrase: string, confirm = passphrase): Promise<void> {
  await prompt.getByLabel('Backup passphrase').fill(passphrase);
  await prompt.getByLabel('Repeat it').fill(confirm);
  await clickClosing(prompt, 'Continue: choose where to save');
}

describe('backup to a file and restore from it, in the app', () => {
  const work = tempDir('owkms-e2e-backup-');
  const backups = join(work, 'backups');
  let h: Harness;
  let w: WalletPage;
  let ids: string[] = [];

  beforeAll(async () => {
    mkdirSync(backups);
    h = await startHarness({ files: folderBackupFiles(backups) });
    w = new WalletPage(await h.shell.openWallet());
    await w.createPassphraseWallet(h.shell, PASSPHRASE);
    for (const algorithm of ['ed25519', 'secp256k1', 'hd-seed']) expect((await pageCall(w.page, 'keys', 'generate', { algorithm, label: `Backed ${algorithm}` })).ok).toBe(true);
    ids = ((await pageCall(w.page, 'keys', 'list', {})).result as { keys: Array<{ id: string }> }).keys.map((k) => k.id).sort();
  }, 90_000);
  afterAll(async () => {
    await h?.close();
    removeDir(work);
  });

  it('Security > Back up to a file: the passphrase in a trusted prompt, the file saved, the page told where and how many keys', async () => {
    await w.go('Security');
    const entry = w.page.getByTestId('backup-entry');
    await entry.getByRole('button', { name: 'Back up to a file…' }).click();
    let prompt = await nextPrompt(h.shell, 'backup');
    await h.shot(prompt, 'backup-prompt');
    await expectAccessible(prompt, 'backup prompt');
    await fillBackup(prompt, 'short one', 'short one');
    expect(await promptError(prompt)).toContain('at least 12 characters');
    await fillBackup(prompt, BACKUP_PASSPHRASE);
    await waitClosed(prompt);
    await expectStatus(entry, /Saved 3 keys to/);
    const files = readdirSync(backups);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^openwallet-backup-\d{4}-\d{2}-\d{2}\.owkmsbak$/);
    expect(await entry.getByTestId('backup-saved').textContent()).toContain(join(backups, files[0]!));
    await h.shot(w.page, 'backup-saved');
    await expectAccessible(w.page, 'Security with a saved backup');

    // Nothing the wallet page received holds the backup passphrase or a piece of the file.
    const file = readFileSync(join(backups, files[0]!)).toString('base64url');
    const received = h.shell.received.map((r) => r.json).join('\n');
    expect(received).not.toContain(BACKUP_PASSPHRASE);
    for (let i = 0; i + 24 <= file.length; i += 12) if (received.includes(file.slice(i, i + 24))) throw new Error('a piece of the backup reached the wallet page');

    // A cancel writes nothing.
    await entry.getByRole('button', { name: 'Back up to a file…' }).click();
    prompt = await nextPrompt(h.shell, 'backup');
    await clickClosing(prompt, 'Cancel');
    await expectStatus(entry, 'No backup was saved.');
    expect(readdirSync(backups)).toHaveLength(1);
  }, 90_000);

  it('owkms restores the file the app wrote: the same key ids', async () => {
    const store = join(work, 'cli-store');
    const file = join(backups, readdirSync(backups)[0]!);
    const env = { OWKMS_PASSPHRASE: 'cli restore passphrase', OWKMS_BACKUP_PASSPHRASE: BACKUP_PASSPHRASE, OWKMS_NO_AGENT: '1' };
    const r = await owkms(['--store', store, '--json', 'restore', '--in', file], { env, detached: true, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(jsonOut(r)).toMatchObject({ state: 'unlocked', keys: 3 });
    const listed = await owkms(['--store', store, '--json', 'keys', 'list'], { env, detached: true, timeoutMs: 60_000 });
    expect((jsonOut(listed) as { keys: Array<{ id: string }> }).keys.map((k) => k.id).sort()).toEqual(ids);
  }, 90_000);

  it('a second app restores it in onboarding: a wrong backup passphrase is asked again, then the wallet opens with its keys', async () => {
    const h2 = await startHarness({ files: folderBackupFiles(backups) });
    try {
      const w2 = new WalletPage(await h2.shell.openWallet());
      await w2.expectState('No wallet');
      await w2.page.getByRole('button', { name: 'Restore from a backup file' }).click();
      await w2.page.getByRole('button', { name: 'Choose the backup file…' }).waitFor();
      await h2.shot(w2.page, 'restore-sealers');
      await w2.page.getByRole('button', { name: 'Choose the backup file…' }).click();
      let prompt = await nextPrompt(h2.shell, 'backup');
      expect(await prompt.getByTestId('backup-file').textContent()).toBe(readdirSync(backups)[0]);
      await prompt.getByLabel('Backup passphrase').fill('not the backup passphrase');
      await clickClosing(prompt, 'Open');
      const create = await nextPrompt(h2.shell, 'create');
      await h2.shot(create, 'restore-new-passphrase');
      await create.getByLabel('New passphrase').fill(NEW_PASSPHRASE);
      await create.getByLabel('Repeat passphrase').fill(NEW_PASSPHRASE);
      await clickClosing(create, 'Next');
      prompt = await nextPrompt(h2.shell, 'backup');
      expect(await promptError(prompt)).toBe('Wrong backup passphrase.');
      await h2.shot(prompt, 'restore-backup-passphrase-wrong');
      await prompt.getByLabel('Backup passphrase').fill(BACKUP_PASSPHRASE);
      await clickClosing(prompt, 'Open');
      await waitClosed(prompt);
      const summary = w2.page.getByTestId('restored-summary');
      await summary.waitFor({ timeout: 30_000 });
      expect(await summary.textContent()).toMatch(/^3 keys restored from the backup made/);
      await h2.shot(w2.page, 'restore-done');
      await expectAccessible(w2.page, 'restored');
      await w2.page.getByRole('button', { name: 'Open the wallet' }).click();
      await w2.expectState('Unlocked');
      const listed = ((await pageCall(w2.page, 'keys', 'list', {})).result as { keys: Array<{ id: string }> }).keys.map((k) => k.id).sort();
      expect(listed).toEqual(ids);
      // The restored wallet's passphrase is the one typed in the create prompt.
      await w2.lock();
      await w2.button('Unlock').click();
      await fillUnlock(await nextPrompt(h2.shell, 'unlock'), NEW_PASSPHRASE);
      await w2.expectState('Unlocked');
    } finally {
      await h2.close();
    }
  }, 120_000);
});
