// Preload of the create-wallet prompt: the new passphrase, typed twice, goes to main and on to kms.init.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('create');
contextBridge.exposeInMainWorld('createPrompt', {
  view: c.view,
  create: (passphrase: string, confirm: string) => c.submit({ passphrase: String(passphrase), confirm: String(confirm) }),
  cancel: c.cancel,
});
