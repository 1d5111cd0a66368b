// Bundles what Electron loads besides main: the renderer (dist/renderer: index.html, prompt.html, assets) and one
// CommonJS file per preload (dist/preload/*.js; a sandboxed preload cannot load modules of its own). The e2e
// harness calls bundlePreloads() again with `electron` aliased to its shim.
import { build } from 'vite';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = dirname(dirname(fileURLToPath(import.meta.url)));

/** Every preload: the wallet bridge and one per trusted prompt. */
export const PRELOADS = {
  wallet: 'main/preload/wallet.ts',
  'prompt-unlock': 'main/preload/prompts/unlock.ts',
  'prompt-create': 'main/preload/prompts/create.ts',
  'prompt-pin': 'main/preload/prompts/pin.ts',
  'prompt-approval': 'main/preload/prompts/approval.ts',
  'prompt-mnemonic': 'main/preload/prompts/mnemonic.ts',
  'prompt-restore': 'main/preload/prompts/restore.ts',
  'prompt-import': 'main/preload/prompts/import.ts',
  'prompt-backup': 'main/preload/prompts/backup.ts',
};

const jsx = { jsx: { runtime: 'automatic' } };

export async function bundleRenderer(outDir = join(root, 'dist', 'renderer')) {
  await build({
    configFile: false,
    logLevel: 'warn',
    root: join(root, 'renderer'),
    base: './',
    oxc: jsx,
    build: {
      outDir,
      emptyOutDir: true,
      // No source maps in the shipped renderer: they would add files the integrity manifest must cover for no user.
      sourcemap: false,
      // The polyfill is an inline script, which the CSP (script-src 'self') refuses.
      modulePreload: { polyfill: false },
      rollupOptions: { input: { index: join(root, 'renderer', 'index.html'), prompt: join(root, 'renderer', 'prompt.html') } },
    },
  });
}

/**
 * Each preload as one self-contained file. Electron: CommonJS with `electron` external. The harness: an IIFE with
 * `electron` resolved to `electronAlias` (its shim), injected into the page as an init script.
 */
export async function bundlePreloads({ outDir = join(root, 'dist', 'preload'), electronAlias, names = Object.keys(PRELOADS) } = {}) {
  for (const name of names) {
    await build({
      configFile: false,
      logLevel: 'warn',
      root,
      ...(electronAlias ? { resolve: { alias: { electron: electronAlias } } } : {}),
      build: {
        outDir,
        emptyOutDir: false,
        sourcemap: false,
        minify: false,
        lib: { entry: join(root, PRELOADS[name]), formats: [electronAlias ? 'iife' : 'cjs'], name: 'preload', fileName: () => `${name}.js` },
        rollupOptions: electronAlias ? {} : { external: ['electron'] },
      },
    });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await bundleRenderer();
  await bundlePreloads();
}
