// Preload of the restore prompt: the recovery phrase (and an optional BIP39 passphrase) goes to main and on to
// keys.import; the wallet window never sees it.
import { contextBridge } from 'electron';
import { promptCalls } from './promptBridge.js';

const c = promptCalls('restore');
contextBridge.exposeInMainWorld('restorePrompt', {
  view: c.view,
  restore: (mnemonic: string, bip39Passphrase: string) => c.submit({ mnemonic: String(mnemonic), bip39Passphrase: String(bip39Passphrase) }),
  cancel: c.cancel,
});
