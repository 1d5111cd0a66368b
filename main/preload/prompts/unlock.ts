// Preload of the unlock prompt: the passphrase goes from this window to main, and from main to the KMS.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('unlock');
contextBridge.exposeInMainWorld('unlockPrompt', {
  view: c.view,
  unlock: (passphrase: string) => c.submit({ passphrase: String(passphrase) }),
  cancel: c.cancel,
});
