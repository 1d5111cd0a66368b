// The window and app settings, asserted exactly from the plain module the Electron shell applies.
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_PERMISSIONS,
  APP_ORIGIN,
  APP_SCHEME_PRIVILEGES,
  CSP,
  isAllowedExternal,
  mainWindowOptions,
  promptWindowOptions,
  RESPONSE_HEADERS,
  webPreferences,
} from '../../../main/electron/settings.js';

describe('window settings', () => {
  it('every window is sandboxed and isolated, with no Node, no webview, web security on', () => {
    expect(webPreferences('/p.js')).toEqual({
      preload: '/p.js',
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
      devTools: false,
    });
    expect(webPreferences('/p.js', false).devTools).toBe(true); // development builds only
  });

  it('the wallet window and the prompts use exactly those preferences', () => {
    expect(mainWindowOptions('/w.js').webPreferences).toEqual(webPreferences('/w.js'));
    expect(mainWindowOptions('/w.js').show).toBe(false);
    const prompt = promptWindowOptions('/p.js');
    expect(prompt.webPreferences).toEqual(webPreferences('/p.js'));
    expect(prompt).toMatchObject({ modal: true, resizable: false, minimizable: false, maximizable: false, fullscreenable: false });
  });
});

describe('app settings', () => {
  it('serves the app from app://wallet, a standard secure scheme without extra powers', () => {
    expect(APP_ORIGIN).toBe('app://wallet');
    expect(APP_SCHEME_PRIVILEGES).toEqual({ standard: true, secure: true, supportFetchAPI: false, corsEnabled: false, allowServiceWorkers: false, bypassCSP: false, stream: false });
  });

  it('the CSP allows only the app itself: no inline script, no eval, no network, no frames', () => {
    const directives = Object.fromEntries(CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1).join(' ')]));
    expect(directives).toEqual({
      'default-src': "'none'",
      'script-src': "'self'",
      'style-src': "'self'",
      'img-src': "'self' data:",
      'font-src': "'self'",
      'connect-src': "'none'",
      'object-src': "'none'",
      'base-uri': "'none'",
      'form-action': "'none'",
      'frame-src': "'none'",
      'frame-ancestors': "'none'",
    });
    expect(CSP).not.toMatch(/unsafe-|\*|http:|https:/);
    expect(RESPONSE_HEADERS['Content-Security-Policy']).toBe(CSP);
    expect(RESPONSE_HEADERS['X-Content-Type-Options']).toBe('nosniff');
  });

  it('denies every permission but writing the clipboard, and opens only allowlisted https pages outside', () => {
    expect(ALLOWED_PERMISSIONS).toEqual(['clipboard-sanitized-write']);
    expect(isAllowedExternal('https://github.com/openwallet')).toBe(true);
    for (const url of ['http://github.com/', 'https://github.com.evil.test/', 'https://user@github.com/', 'file:///etc/passwd', 'javascript:alert(1)', 'app://wallet/', 'not a url', 'smb://github.com/']) {
      expect(isAllowedExternal(url), url).toBe(false);
    }
  });

  it('the pages carry the same CSP in their meta tag', async () => {
    const { readFileSync } = await import('node:fs');
    for (const page of ['renderer/index.html', 'renderer/prompt.html']) {
      const meta = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(readFileSync(page, 'utf8'))?.[1];
      // frame-ancestors is ignored in a meta tag (CSP 3), so only the header carries it.
      expect(meta).toBe(CSP.replace("; frame-ancestors 'none'", ''));
    }
  });
});
