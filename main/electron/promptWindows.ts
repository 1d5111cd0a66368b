// Trusted prompts under Electron: each a small modal window owned by main, with its own preload exposing only that
// prompt's functions, answered on that prompt's channels only when the sender is that very window.
import { BrowserWindow, ipcMain, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { PROMPT_VALUES, PromptSession, type PromptHost, type PromptWindow } from '../core/prompts.js';
import { senderRefusal } from '../core/senderCheck.js';
import { PROMPT_KINDS, promptChannel, type PromptKind } from '../core/wire.js';
import { APP_ORIGIN, PROMPT_PAGE, promptWindowOptions } from './settings.js';

export class ElectronPromptHost implements PromptHost {
  /** Open prompt sessions by the id of their window's web contents. */
  private readonly open_ = new Map<number, { kind: PromptKind; session: PromptSession }>();

  constructor(
    private readonly preloadDir: string,
    private readonly parent: () => BrowserWindow | undefined,
    private readonly packaged: boolean,
    private readonly onActivity: () => void,
  ) {
    for (const kind of PROMPT_KINDS) {
      ipcMain.handle(promptChannel(kind, 'view'), (e) => this.session(e, kind)?.currentView() ?? { done: true });
      ipcMain.handle(promptChannel(kind, 'submit'), (e, values: unknown) => {
        this.onActivity();
        return this.session(e, kind)?.submit(values) ?? { done: true };
      });
      ipcMain.handle(promptChannel(kind, 'cancel'), (e) => this.session(e, kind)?.cancel() ?? { done: true });
    }
  }

  private session(e: IpcMainInvokeEvent, kind: PromptKind): PromptSession | undefined {
    const entry = this.open_.get(e.sender.id);
    const frame = e.senderFrame;
    const refused = senderRefusal({ id: String(e.sender.id), frameUrl: frame?.url, isMainFrame: frame !== null && frame.parent === null }, APP_ORIGIN);
    if (!entry || entry.kind !== kind || refused) return undefined;
    return entry.session;
  }

  async open(kind: PromptKind): Promise<PromptWindow> {
    const parent = this.parent();
    const win = new BrowserWindow({
      ...promptWindowOptions(join(this.preloadDir, `prompt-${kind}.js`), this.packaged),
      ...(parent ? { parent } : { modal: false }),
    });
    win.setMenu(null);
    const session = new PromptSession(PROMPT_VALUES[kind]);
    const id = win.webContents.id;
    this.open_.set(id, { kind, session });
    win.on('closed', () => {
      this.open_.delete(id);
      session.close(); // closing the window is a cancel
    });
    session.onClose(() => {
      if (!win.isDestroyed()) win.close();
    });
    win.once('ready-to-show', () => win.show());
    await win.loadURL(PROMPT_PAGE);
    return session;
  }
}
