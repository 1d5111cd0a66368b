// App-wide guards, for every web contents the app ever creates: no navigation away from the page, no new
// windows (https allowlist opened in the browser instead), no webviews, every permission denied.
import { app, session, shell } from 'electron';
import { ALLOWED_PERMISSIONS, isAllowedExternal } from './settings.js';

export function installAppGuards(): void {
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (e) => e.preventDefault());
    contents.on('will-redirect', (e) => e.preventDefault());
    contents.on('will-attach-webview', (e) => e.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      if (isAllowedExternal(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
  });
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback) => callback(ALLOWED_PERMISSIONS.includes(permission)));
  ses.setPermissionCheckHandler((_wc, permission) => ALLOWED_PERMISSIONS.includes(permission));
  ses.setDevicePermissionHandler(() => false);
  ses.setDisplayMediaRequestHandler((_request, callback) => callback({}));
  // Nothing of the app goes to the network: refuse every request that is not the app's own scheme.
  ses.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !details.url.startsWith('app://') && !details.url.startsWith('devtools://') }));
}
