// The wallet window's preload (sandboxed, bundled): exposes `window.wallet` and nothing else. ipcRenderer stays
// here; the page gets functions that each call one method.
import { contextBridge, ipcRenderer } from 'electron';
import { WALLET_CHANNEL, WALLET_EVENT_CHANNEL, type WalletEvent, type WalletReply } from '../core/wire.js';
import { buildWalletApi } from './walletApi.js';

contextBridge.exposeInMainWorld(
  'wallet',
  buildWalletApi(
    (request) => ipcRenderer.invoke(WALLET_CHANNEL, request) as Promise<WalletReply>,
    (listener) => ipcRenderer.on(WALLET_EVENT_CHANNEL, (_event, e: WalletEvent) => listener(e)),
  ),
);
