// npm run start:chromium: the wallet in a Chromium window, for UI work where Electron cannot run. Same renderer,
// preloads and main/core as the Electron app; the keystore is the one owkms uses ($OWKMS_STORE or --store).
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { ChromiumShell } from './chromiumShell.js';
import { folderBackupFiles } from './folderBackupFiles.js';

// --backup-dir: where Security's "Back up" saves and onboarding's "Restore from a backup file" looks (the newest
// .owkmsbak there); Chromium has no OS file dialog to ask. Absent, those two answer UNAVAILABLE.
const { values } = parseArgs({ options: { store: { type: 'string' }, headless: { type: 'boolean', default: false }, 'backup-dir': { type: 'string' } }, strict: true });
const storeDir = values.store ?? process.env.OWKMS_STORE ?? join(homedir(), '.config', 'OpenWallet Desktop', 'keystore');
if (!values.headless && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY) {
  process.stderr.write('start:chromium needs a display (or run it under xvfb-run, or pass --headless)\n');
  process.exit(2);
}
const backupDir = values['backup-dir'];
const shell = await ChromiumShell.launch({
  storeDir,
  headless: values.headless,
  settingsFile: join(dirname(storeDir), 'desktop-settings.json'),
  ...(backupDir ? { files: folderBackupFiles(backupDir) } : {}),
});
const page = await shell.openWallet();
process.stdout.write(`OpenWallet in Chromium; keystore ${storeDir}. Close the window to quit.\n`);
const stop = async () => {
  await shell.close();
  process.exit(0);
};
page.on('close', () => void stop());
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
