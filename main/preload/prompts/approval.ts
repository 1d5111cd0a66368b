// Preload of the approval prompt: shows what main says is asked, answers approve or deny, nothing else.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('approval');
contextBridge.exposeInMainWorld('approvalPrompt', {
  view: c.view,
  approve: () => c.submit({}),
  deny: c.cancel,
});
