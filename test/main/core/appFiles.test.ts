import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { resolveAppFile } from '../../../main/core/appFiles.js';

const root = '/opt/app/dist/renderer';
const O = 'app://wallet';

describe('serving the renderer bundle', () => {
  it('maps the app origin to files of the bundle', () => {
    expect(resolveAppFile('app://wallet/', O, root)).toEqual({ ok: true, path: `${root}/index.html`, contentType: 'text/html; charset=utf-8' });
    expect(resolveAppFile('app://wallet/assets/a.js?x=1#y', O, root)).toMatchObject({ ok: true, path: `${root}/assets/a.js` });
  });

  it('refuses other origins, traversal and unknown types', () => {
    expect(resolveAppFile('app://other/index.html', O, root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppFile('app://wallet/../../etc/passwd', O, root).ok).toBe(false);
    expect(resolveAppFile('app://wallet/..%2f..%2fsecret.html', O, root)).toEqual({ ok: false, status: 403 });
    expect(resolveAppFile('app://wallet/a%00.html', O, root).ok).toBe(false);
    expect(resolveAppFile('app://wallet/keystore.db', O, root)).toEqual({ ok: false, status: 404 });
  });
});

describe('serving the renderer bundle, any path', () => {
  it('never resolves outside the bundle (property)', () => {
    const segment = fc.oneof(fc.constantFrom('..', '%2e%2e', '.', '%2f', '..%2f', '%5c..', 'a', 'index.html', '%00', '~'), fc.string({ maxLength: 6 }));
    fc.assert(
      fc.property(fc.array(segment, { maxLength: 8 }), fc.constantFrom('.html', '.js', '.css', ''), (parts, ext) => {
        const r = resolveAppFile(`app://wallet/${parts.join('/')}${ext}`, O, root);
        if (r.ok) expect(r.path.startsWith(`${root}/`)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});
