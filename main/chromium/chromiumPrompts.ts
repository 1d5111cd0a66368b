// Trusted prompts in the Chromium shell: each prompt is a page of its own browser context (the wallet page cannot
// reach it), loaded with that prompt's real preload over the shim. Tests take each page as it opens and drive it.
import type { BrowserContext, Page } from 'playwright-core';
import { PROMPT_VALUES, PromptSession, type PromptHost, type PromptWindow } from '../core/prompts.js';
import { promptChannel, type PromptKind } from '../core/wire.js';

export interface OpenedPrompt {
  kind: PromptKind;
  page: Page;
}

export class ChromiumPromptHost implements PromptHost {
  private readonly sessions = new Map<Page, { kind: PromptKind; session: PromptSession }>();
  private readonly waiters: Array<(p: OpenedPrompt) => void> = [];
  private readonly opened: OpenedPrompt[] = [];
  /** Every prompt page opened so far (tests look at their screenshots). */
  readonly history: OpenedPrompt[] = [];

  constructor(
    private readonly context: BrowserContext,
    private readonly promptUrl: string,
    private readonly preloadFile: (kind: PromptKind) => string,
    private readonly onActivity: () => void,
  ) {}

  /** Installs the prompt channels' binding on the prompt context (once). */
  async install(): Promise<void> {
    await this.context.exposeBinding('__owIpc', async (source, channel: unknown, args: unknown) => {
      const entry = this.sessions.get(source.page);
      if (!entry || typeof channel !== 'string') return { done: true };
      const [values] = Array.isArray(args) ? args : [];
      if (channel === promptChannel(entry.kind, 'view')) return entry.session.currentView();
      if (channel === promptChannel(entry.kind, 'submit')) {
        this.onActivity();
        return entry.session.submit(values);
      }
      if (channel === promptChannel(entry.kind, 'cancel')) return entry.session.cancel();
      return { done: true };
    });
  }

  async open(kind: PromptKind): Promise<PromptWindow> {
    const page = await this.context.newPage();
    await page.addInitScript({ path: this.preloadFile(kind) });
    const session = new PromptSession(PROMPT_VALUES[kind]);
    this.sessions.set(page, { kind, session });
    page.on('close', () => {
      this.sessions.delete(page);
      session.close(); // closing the window is a cancel
    });
    session.onClose(() => void page.close().catch(() => undefined));
    await page.goto(this.promptUrl);
    const opened = { kind, page };
    this.history.push(opened);
    const w = this.waiters.shift();
    if (w) w(opened);
    else this.opened.push(opened);
    return session;
  }

  /** The next prompt page to open (or the oldest one not yet taken). */
  next(timeoutMs = 15_000): Promise<OpenedPrompt> {
    const ready = this.opened.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const waiter = (p: OpenedPrompt) => {
        clearTimeout(t);
        resolve(p);
      };
      // A waiter that gave up leaves the queue, so the next prompt goes to someone still waiting.
      const t = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error('no prompt opened'));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }
}
