// Electron main: the thin shell around main/core. Single instance, the app:// scheme, app-wide guards, the KMS as
// a utilityProcess under the supervisor, the wallet window, trusted prompt windows, and powerMonitor events fed to
// auto-lock. Everything that decides lives in main/core.
import { app, BrowserWindow, powerMonitor } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultSocketPath, SOCKET_ENV } from '../../agent/socketPath.js';
import { createMainCore } from '../core/mainCore.js';
import { WALLET_EVENT_CHANNEL } from '../core/wire.js';
import { installAppGuards } from './appGuards.js';
import { backupDialogs } from './backupDialogs.js';
import { registerAppScheme, serveApp } from './appProtocol.js';
import { ElectronPromptHost } from './promptWindows.js';
import { APP_ORIGIN, MAIN_PAGE, mainWindowOptions } from './settings.js';
import { UtilityKmsSpawner } from './utilityKmsSpawner.js';
import { handleWalletCalls } from './walletIpc.js';

const distRoot = dirname(dirname(dirname(fileURLToPath(import.meta.url)))); // dist/
const preloadDir = join(distRoot, 'preload');

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  registerAppScheme();
  let walletWindow: BrowserWindow | undefined;

  // The same keystore owkms uses: $OWKMS_STORE, else the app's data folder (DESIGN.md section 9).
  const storeDir = process.env.OWKMS_STORE ?? join(app.getPath('userData'), 'keystore');
  const prompts = new ElectronPromptHost(preloadDir, () => walletWindow, app.isPackaged, () => core.autoLock.activity());
  const core = createMainCore({
    spawner: new UtilityKmsSpawner({ entry: join(distRoot, 'kms-process', 'index.js'), storeDir }),
    prompts,
    appOrigin: APP_ORIGIN,
    settingsFile: join(app.getPath('userData'), 'desktop-settings.json'),
    notify: (event) => walletWindow?.webContents.send(WALLET_EVENT_CHANNEL, event),
    systemIdleMs: () => powerMonitor.getSystemIdleTime() * 1000,
    files: backupDialogs(() => walletWindow),
    // While the app runs, owkms and the PKCS#11 module use its KMS (guarded keys approved in its prompt);
    // $OWKMS_NO_AGENT=1 turns that off.
    ...(process.env.OWKMS_NO_AGENT === '1' ? {} : { agent: { storeDir, socketPath: process.env[SOCKET_ENV] || defaultSocketPath() } }),
  });
  handleWalletCalls(core.broker, () => walletWindow);

  const createWalletWindow = async () => {
    walletWindow = new BrowserWindow(mainWindowOptions(join(preloadDir, 'wallet.js'), app.isPackaged));
    walletWindow.setMenu(null);
    walletWindow.once('ready-to-show', () => walletWindow?.show());
    walletWindow.on('closed', () => (walletWindow = undefined));
    await walletWindow.loadURL(MAIN_PAGE);
  };

  app.on('second-instance', () => {
    if (walletWindow?.isMinimized()) walletWindow.restore();
    walletWindow?.focus();
  });
  app.on('window-all-closed', () => app.quit());
  app.on('will-quit', () => void core.stop());

  void app.whenReady().then(async () => {
    installAppGuards();
    serveApp(join(distRoot, 'renderer'));
    powerMonitor.on('suspend', () => void core.autoLock.suspend());
    powerMonitor.on('lock-screen', () => void core.autoLock.screenLocked());
    await core.start().catch(() => undefined); // the window says the key service is unavailable
    await createWalletWindow();
  });
}
