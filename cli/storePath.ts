// Where the keystore lives by default: the same per-user data folder the desktop app uses (Electron's userData,
// app name "OpenWallet Desktop"), in a `keystore` folder.
import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'OpenWallet Desktop';

export function defaultStoreDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.OWKMS_STORE) return env.OWKMS_STORE;
  const home = homedir();
  // Electron's appData: %APPDATA% on Windows, ~/Library/Application Support on macOS, $XDG_CONFIG_HOME or ~/.config.
  const appData =
    platform === 'win32' ? (env.APPDATA ?? join(home, 'AppData', 'Roaming'))
    : platform === 'darwin' ? join(home, 'Library', 'Application Support')
    : (env.XDG_CONFIG_HOME ?? join(home, '.config'));
  return join(appData, APP_NAME, 'keystore');
}
