// The `electron` module as the real preloads see it when they run in plain Chromium (start:chromium and the e2e
// harness): contextBridge puts the API on window; ipcRenderer reaches main's core in Node through one Playwright
// binding. It shares the page's JS world (no context isolation here): what isolation adds is checked from the
// exported window settings, by electronegativity, and for real only under Electron.
type Binding = (channel: string, args: unknown[]) => Promise<unknown>;
type Listener = (event: object, ...args: unknown[]) => void;

const w = window as unknown as { __owIpc?: Binding; __owIpcEvent?: (channel: string, payload: unknown) => void };
const binding = w.__owIpc;
const listeners = new Map<string, Listener[]>();
// Main -> page events (webContents.send in Electron): the shell calls this through page.evaluate.
Object.defineProperty(window, '__owIpcEvent', {
  value: (channel: string, payload: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({}, payload);
  },
});

function freeze<T>(value: T): T {
  if (value !== null && (typeof value === 'object' || typeof value === 'function') && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const k of Object.keys(value as object)) freeze((value as Record<string, unknown>)[k]);
  }
  return value;
}

export const contextBridge = {
  exposeInMainWorld(name: string, api: unknown): void {
    Object.defineProperty(window, name, { value: freeze(api), writable: false, configurable: false, enumerable: true });
  },
};

export const ipcRenderer = {
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    if (!binding) return Promise.reject(new Error('no IPC binding in this frame'));
    return binding(channel, args);
  },
  on(channel: string, listener: Listener): void {
    const list = listeners.get(channel) ?? [];
    list.push(listener);
    listeners.set(channel, list);
  },
};
