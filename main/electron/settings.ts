// Every security setting of the app's windows and session, as plain data: the Electron shell applies exactly
// these, and tests assert them without Electron. Changing one is a security review item.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';

export const APP_SCHEME = 'app';
export const APP_HOST = 'wallet';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const MAIN_PAGE = `${APP_ORIGIN}/index.html`;
export const PROMPT_PAGE = `${APP_ORIGIN}/prompt.html`;

/** The Content-Security-Policy sent with every app:// response (and repeated in the pages' meta tag). */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Headers of every app:// response besides the content type. */
export const RESPONSE_HEADERS: Record<string, string> = {
  'Content-Security-Policy': CSP,
  'X-Content-Type-Options': 'nosniff',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Referrer-Policy': 'no-referrer',
};

/** The scheme privileges registered before the app is ready: standard and secure, no fetch/CORS/service workers. */
export const APP_SCHEME_PRIVILEGES = {
  standard: true,
  secure: true,
  supportFetchAPI: false,
  corsEnabled: false,
  allowServiceWorkers: false,
  bypassCSP: false,
  stream: false,
} as const;

/** webPreferences of every window (the wallet and each prompt); only the preload differs. DevTools: not packaged. */
export function webPreferences(preload: string, packaged = true): WebPreferences {
  return {
    preload,
    sandbox: true,
    contextIsolation: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    plugins: false,
    experimentalFeatures: false,
    enableBlinkFeatures: '',
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: !packaged,
  };
}

export function mainWindowOptions(preload: string, packaged = true): BrowserWindowConstructorOptions {
  return {
    width: 1100,
    height: 760,
    minWidth: 720,
    minHeight: 520,
    title: 'OpenWallet',
    show: false,
    backgroundColor: '#f4f6fa',
    webPreferences: webPreferences(preload, packaged),
  };
}

/** Prompts are small windows owned by main, modal to the wallet window, not resizable, always on top of it. */
export function promptWindowOptions(preload: string, packaged = true): BrowserWindowConstructorOptions {
  return {
    width: 560,
    height: 520,
    resizable: false,
    minimizable: false,
    maximizable: false,
    fullscreenable: false,
    modal: true,
    title: 'OpenWallet — confirm',
    show: false,
    backgroundColor: '#e9edf5',
    webPreferences: webPreferences(preload, packaged),
  };
}

/** shell.openExternal only for these https origins (help pages); everything else is refused. */
export const EXTERNAL_ORIGINS: readonly string[] = ['https://github.com'];

export function isAllowedExternal(url: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  return u.protocol === 'https:' && u.username === '' && u.password === '' && EXTERNAL_ORIGINS.includes(u.origin);
}

/**
 * Permission requests and checks (camera, notifications, clipboard reading, HID, serial, ...): all denied but
 * writing to the clipboard, which the copy buttons use for public values (addresses, public keys, signatures).
 */
export const ALLOWED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

/** The KMS utility process: a named service, no inherited stdio but stderr for its diagnostics. */
export const KMS_SERVICE_NAME = 'OpenWallet KMS';
