// What every trusted prompt's preload shares: its view, submit and cancel, on channels of its own kind only.
// Each prompt window gets a preload exposing only its own object (window.unlockPrompt, window.pinPrompt, ...).
import { ipcRenderer } from 'electron';
import { promptChannel, type PromptKind } from '../../core/wire.js';

export type ViewOrDone = Record<string, unknown>;

export function promptCalls(kind: PromptKind) {
  return {
    view: () => ipcRenderer.invoke(promptChannel(kind, 'view')) as Promise<ViewOrDone>,
    submit: (values: Record<string, string>) => ipcRenderer.invoke(promptChannel(kind, 'submit'), values) as Promise<ViewOrDone>,
    cancel: () => ipcRenderer.invoke(promptChannel(kind, 'cancel')) as Promise<ViewOrDone>,
  };
}
