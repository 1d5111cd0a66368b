// The OS's file dialogs for backups under Electron (main/core/backupFlows.ts decides; this only asks where). The
// dialogs are the OS's own windows, owned by main: the renderer cannot fill them in or read their answer.
import { app, dialog, type BrowserWindow } from 'electron';
import { join } from 'node:path';
import type { BackupFiles } from '../core/backupFlows.js';

const FILTERS = [
  { name: 'OpenWallet backup', extensions: ['owkmsbak'] },
  { name: 'All files', extensions: ['*'] },
];

export function backupDialogs(parent: () => BrowserWindow | undefined): BackupFiles {
  return {
    async chooseSave(suggestedName) {
      const options = {
        title: 'Save the wallet backup',
        defaultPath: join(app.getPath('documents'), suggestedName),
        filters: FILTERS,
        // The OS asks before replacing a file (showOverwriteConfirmation on Linux; macOS and Windows always ask).
        properties: ['showOverwriteConfirmation' as const, 'createDirectory' as const],
      };
      const win = parent();
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? undefined : r.filePath;
    },
    async chooseOpen() {
      const options = { title: 'Restore a wallet backup', filters: FILTERS, properties: ['openFile' as const] };
      const win = parent();
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? undefined : r.filePaths[0];
    },
  };
}
