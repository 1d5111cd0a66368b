// Preload of the new-mnemonic prompt: receives the words once, sends back the three words asked for confirmation.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('mnemonic');
contextBridge.exposeInMainWorld('mnemonicPrompt', {
  view: c.view,
  next: () => c.submit({}),
  confirm: (word1: string, word2: string, word3: string) => c.submit({ word1: String(word1), word2: String(word2), word3: String(word3) }),
  cancel: c.cancel,
});
