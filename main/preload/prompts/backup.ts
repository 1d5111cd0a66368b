// Preload of the backup prompt: the backup passphrase (typed twice for a new backup, once to open one) goes to main
// and on to kms.backup / kms.restore; the wallet window never sees it, nor the encrypted file.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('backup');
contextBridge.exposeInMainWorld('backupPrompt', {
  view: c.view,
  submit: (backupPassphrase: string, confirm: string) => c.submit({ backupPassphrase: String(backupPassphrase), confirm: String(confirm) }),
  cancel: c.cancel,
});
