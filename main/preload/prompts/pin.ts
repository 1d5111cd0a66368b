// Preload of the token PIN prompt: the PIN goes to main and on to tokens.login or kms.unlock.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('pin');
contextBridge.exposeInMainWorld('pinPrompt', {
  view: c.view,
  login: (pin: string, confirmFinalTry = false) => c.submit({ pin: String(pin), ...(confirmFinalTry === true ? { confirmFinalTry: 'yes' } : {}) }),
  cancel: c.cancel,
});
