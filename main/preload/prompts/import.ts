// Preload of the key import prompt: the pasted key (JWK, PEM, secret bytes) goes to main and on to keys.import.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('import');
contextBridge.exposeInMainWorld('importPrompt', {
  view: c.view,
  import: (format: string, algorithm: string, data: string) => c.submit({ format: String(format), algorithm: String(algorithm), data: String(data) }),
  cancel: c.cancel,
});
