// The Chromium shell's stand-in for the OS's file dialogs of backup and restore (Electron's are in
// main/electron/backupDialogs.ts): backups are saved in one folder under the name the app suggests (never replacing
// one there: a second of the same day gets -2, -3, ...), and the newest backup there is the one restored.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupFiles } from '../core/backupFlows.js';

export function folderBackupFiles(dir: string): BackupFiles {
  return {
    chooseSave: async (suggestedName) => {
      const dot = suggestedName.lastIndexOf('.');
      for (let n = 1; ; n++) {
        const name = n === 1 ? suggestedName : `${suggestedName.slice(0, dot)}-${n}${suggestedName.slice(dot)}`;
        if (!existsSync(join(dir, name))) return join(dir, name);
      }
    },
    chooseOpen: async () => {
      const backups = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.owkmsbak')).map((f) => join(dir, f)) : [];
      backups.sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs || b.localeCompare(a));
      return backups[0];
    },
  };
}
