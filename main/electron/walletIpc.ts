// The wallet window's one IPC entry: every call goes to the broker with what Electron says about its sender
// (its window and frame, never anything the page claims).
import { ipcMain, type BrowserWindow } from 'electron';
import { KmsError } from '../../kms-process/api/errors.js';
import { failure, type Broker } from '../core/broker.js';
import { WALLET_CHANNEL } from '../core/wire.js';

export function handleWalletCalls(broker: Broker, walletWindow: () => BrowserWindow | undefined): void {
  ipcMain.handle(WALLET_CHANNEL, (event, request: unknown) => {
    const win = walletWindow();
    if (!win || event.sender.id !== win.webContents.id) {
      return failure(new KmsError('POLICY_DENIED', 'only the wallet window may call'));
    }
    const frame = event.senderFrame;
    return broker.handle({ id: String(event.sender.id), frameUrl: frame?.url, isMainFrame: frame !== null && frame.parent === null }, request);
  });
}
