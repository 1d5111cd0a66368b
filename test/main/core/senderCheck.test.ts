import { describe, expect, it } from 'vitest';
import { originOf, senderRefusal } from '../../../main/core/senderCheck.js';

const APP = 'app://wallet';

describe('the sender frame check', () => {
  it.each([
    ['app://wallet/index.html', true],
    ['app://wallet/', true],
    ['app://wallet/prompt.html#x?y', true],
    ['app://wallet.evil/index.html', false],
    ['app://wallet@evil/index.html', false],
    ['app://evil@wallet/index.html', false],
    ['app://wallet:8080/index.html', false],
    ['https://evil/app://wallet/', false],
    ['https://wallet/', false],
    ['file:///app/index.html', false],
    ['about:blank', false],
    ['data:text/html,app://wallet', false],
    ['', false],
    ['not a url', false],
  ])('%s from a top-level frame: allowed %s', (url, ok) => {
    expect(senderRefusal({ id: '1', frameUrl: url, isMainFrame: true }, APP) === undefined).toBe(ok);
  });

  it('a sub-frame of the app origin is refused', () => {
    expect(senderRefusal({ id: '1', frameUrl: 'app://wallet/index.html', isMainFrame: false }, APP)).toContain('sub-frame');
  });

  it('a frame that is gone (no URL) is refused', () => {
    expect(senderRefusal({ id: '1', frameUrl: undefined, isMainFrame: true }, APP)).toContain('origin');
  });

  it('origins are built from the parsed URL', () => {
    expect(originOf('https://app.openwallet.test/x/y?z')).toBe('https://app.openwallet.test');
    expect(originOf('https://user:pw@app.openwallet.test/')).toBeUndefined();
  });
});
