// The app without Electron: the real renderer bundle in Chromium (playwright-core), the real preloads bundled
// against the `electron` shim, calling the same main/core (broker, supervisor, flows) that Electron's main uses,
// which forwards to a real KMS child process. Used by `npm run start:chromium` and by the e2e tests.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import type { ApprovalOptions } from '../core/approvalQueue.js';
import { resolveAppFile } from '../core/appFiles.js';
import type { BackupFiles } from '../core/backupFlows.js';
import { createMainCore, type MainCore } from '../core/mainCore.js';
import { NodeKmsSpawner } from '../core/nodeKmsSpawner.js';
import type { RateLimit } from '../core/rateLimiter.js';
import type { Backoff } from '../core/supervisor.js';
import { WALLET_CHANNEL, WALLET_EVENT_CHANNEL, type PromptKind, type WalletEvent } from '../core/wire.js';
import { RESPONSE_HEADERS } from '../electron/settings.js';
import { ChromiumPromptHost } from './chromiumPrompts.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH, packageRoot } from './shellPaths.js';

/** The shell's stand-in for app://wallet: an https origin the browser never resolves (every request is routed). */
export const SHELL_ORIGIN = 'https://app.openwallet.test';

export interface ChromiumShellOptions {
  storeDir: string;
  headless?: boolean;
  idleMs?: number;
  idleCheckMs?: number;
  rateLimit?: RateLimit;
  backoff?: Backoff;
  approvals?: ApprovalOptions;
  viewport?: { width: number; height: number };
  keyCacheMs?: number;
  /** Where the desktop settings are kept; absent, defaults that are not saved. */
  settingsFile?: string;
  /** Serve owkms and the PKCS#11 module on this socket while the shell runs (as the Electron app does). */
  agentSocket?: string;
  /** Stands in for the OS's file dialogs of backup and restore (a test chooses the paths); absent, those flows answer UNAVAILABLE. */
  files?: BackupFiles;
}

/** One message the wallet page received (a reply at the binding, or an event), as the JSON text it was. */
export interface Received {
  channel: string;
  json: string;
}

async function buildShimPreloads(): Promise<string> {
  const root = packageRoot();
  const out = mkdtempSync(join(tmpdir(), 'owkms-shim-'));
  const ui = (await import(pathToFileURL(join(root, 'build', 'uiBuild.mjs')).href)) as {
    bundlePreloads(o: { outDir: string; electronAlias: string }): Promise<void>;
  };
  await ui.bundlePreloads({ outDir: out, electronAlias: join(root, 'main', 'chromium', 'electronShim.ts') });
  return out;
}

/** Serves the renderer bundle for the shell's origin with the app's own headers; anything else is refused. */
export async function serveRenderer(context: BrowserContext, rendererRoot: string): Promise<void> {
  await context.route('**/*', async (route: Route) => {
    const file = resolveAppFile(route.request().url(), SHELL_ORIGIN, rendererRoot);
    if (!file.ok) return route.fulfill({ status: file.status, headers: RESPONSE_HEADERS, body: '' });
    return route.fulfill({ status: 200, headers: { ...RESPONSE_HEADERS, 'Content-Type': file.contentType }, body: readFileSync(file.path) });
  });
}

export class ChromiumShell {
  readonly received: Received[] = [];
  private walletPages = new Set<Page>();

  private constructor(
    readonly browser: Browser,
    readonly walletContext: BrowserContext,
    readonly core: MainCore,
    readonly spawner: NodeKmsSpawner,
    readonly prompts: ChromiumPromptHost,
    private readonly shimDir: string,
  ) {}

  static async launch(o: ChromiumShellOptions): Promise<ChromiumShell> {
    if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install the Debian package 'chromium'`);
    const root = packageRoot();
    const rendererRoot = join(root, 'dist', 'renderer');
    if (!existsSync(join(rendererRoot, 'index.html'))) throw new Error('dist/renderer is missing: run npm run build');
    const shimDir = await buildShimPreloads();
    // Playwright gives every launch a fresh, temporary --user-data-dir of its own.
    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: o.headless ?? true, args: CHROMIUM_FLAGS });
    const viewport = o.viewport ?? { width: 1100, height: 760 };
    // Copy buttons write public values (addresses, keys, signatures) to the clipboard; nothing reads it.
    const walletContext = await browser.newContext({ viewport, permissions: ['clipboard-write'] });
    const promptContext = await browser.newContext({ viewport: { width: 560, height: 520 } });
    await serveRenderer(walletContext, rendererRoot);
    await serveRenderer(promptContext, rendererRoot);
    // The shell exists only once everything it wires is built; callbacks made before then reach it through this.
    const ref: { shell?: ChromiumShell } = {};
    const prompts = new ChromiumPromptHost(promptContext, `${SHELL_ORIGIN}/prompt.html`, (k: PromptKind) => join(shimDir, `prompt-${k}.js`), () =>
      ref.shell?.core.autoLock.activity(),
    );
    await prompts.install();
    const spawner = new NodeKmsSpawner({ storeDir: o.storeDir, createStore: true, stderr: 'pipe', holder: 'chromium-shell', ...(o.keyCacheMs !== undefined ? { keyCacheMs: o.keyCacheMs } : {}) });
    const core = createMainCore({
      spawner,
      prompts,
      appOrigin: SHELL_ORIGIN,
      ...(o.settingsFile ? { settingsFile: o.settingsFile } : {}),
      notify: (e) => void ref.shell?.notify(e),
      ...(o.idleMs !== undefined ? { idleMs: o.idleMs } : {}),
      ...(o.idleCheckMs !== undefined ? { idleCheckMs: o.idleCheckMs } : {}),
      ...(o.rateLimit ? { rateLimit: o.rateLimit } : {}),
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.approvals ? { approvals: o.approvals } : {}),
      ...(o.agentSocket ? { agent: { storeDir: o.storeDir, socketPath: o.agentSocket } } : {}),
      ...(o.files ? { files: o.files } : {}),
    });
    const shell = new ChromiumShell(browser, walletContext, core, spawner, prompts, shimDir);
    ref.shell = shell;
    await shell.installWalletBinding();
    await walletContext.addInitScript({ path: join(shimDir, 'wallet.js') });
    await core.start();
    return shell;
  }

  /** What Electron's ipcMain would see: the sender page and frame as the browser reports them. */
  private async installWalletBinding(): Promise<void> {
    let pageIds = 0;
    const ids = new WeakMap<Page, string>();
    await this.walletContext.exposeBinding('__owIpc', async (source, channel: unknown, args: unknown) => {
      let id = ids.get(source.page);
      if (!id) ids.set(source.page, (id = `page-${++pageIds}`));
      const request = Array.isArray(args) ? args[0] : undefined;
      const reply =
        channel === WALLET_CHANNEL
          ? await this.core.broker.handle({ id, frameUrl: source.frame.url(), isMainFrame: source.frame === source.page.mainFrame() }, request)
          : { ok: false, error: { kind: 'UNKNOWN_METHOD', message: 'no handler for that channel' } };
      this.received.push({ channel: String(channel).slice(0, 64), json: JSON.stringify(reply) });
      return reply;
    });
  }

  private async notify(event: WalletEvent): Promise<void> {
    this.received.push({ channel: WALLET_EVENT_CHANNEL, json: JSON.stringify(event) });
    for (const page of this.walletPages) {
      // A string body: this file is compiled without DOM types, and the function runs in the page.
      await page.evaluate(`window.__owIpcEvent?.(${JSON.stringify(WALLET_EVENT_CHANNEL)}, ${JSON.stringify(event)})`).catch(() => undefined);
    }
  }

  /** Opens the wallet window (a page of the wallet context at the app's index). */
  async openWallet(): Promise<Page> {
    const page = await this.walletContext.newPage();
    this.walletPages.add(page);
    page.on('close', () => this.walletPages.delete(page));
    await page.goto(`${SHELL_ORIGIN}/index.html`);
    return page;
  }

  async close(): Promise<void> {
    await this.core.stop().catch(() => undefined);
    await this.browser.close().catch(() => undefined);
    rmSync(this.shimDir, { recursive: true, force: true });
  }
}
