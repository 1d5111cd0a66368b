// The renderer's bridge, as data and types: `window.wallet.<namespace>.<method>(params)`, one function per method
// the renderer may call (main/core/uiAllowlist.ts), each returning the reply envelope (errors as data: Electron's
// contextBridge keeps only an Error's message). No generic send, no channel names: the page cannot pick a method
// that is not here. The renderer imports this file's types only.
import type { Params, Result } from '../../kms-process/api/methods.js';
import { UI_METHODS, type UiMethod } from '../core/uiAllowlist.js';
import type { BackupRestored, BackupSaved, FlowMethod, WalletEvent, WalletReply, WalletRequest, WireError } from '../core/wire.js';

export type { BackupRestored, BackupSaved, WalletEvent };

export type Reply<T> = { ok: true; result: T } | { ok: false; error: WireError };

type Namespace<M extends string> = M extends `${infer N}.${string}` ? N : never;
type Short<M extends string> = M extends `${string}.${infer F}` ? F : never;

type KmsApi = {
  [N in Namespace<UiMethod>]: {
    [M in UiMethod as M extends `${N}.${string}` ? Short<M> : never]: (params: Params<M>) => Promise<Reply<Result<M>>>;
  };
};

export type SealerChoice = 'passphrase' | 'tpm' | 'keychain' | 'pkcs11';

export interface DesktopSettingsView {
  autoLockMinutes: number;
  keyCacheSeconds: number;
  choices: { autoLockMinutes: number[]; keyCacheSeconds: number[] };
}

/** Flows main runs with a trusted prompt (the secret stays there); the renderer learns the outcome. */
interface FlowApi {
  session: {
    createWallet(params?: { sealers: SealerChoice[]; unlockPolicy?: 'any' | 'all'; token?: string }): Promise<Reply<{ state: string }>>;
    unlock(): Promise<Reply<{ state: string }>>;
    onEvent(listener: (event: WalletEvent) => void): void;
    /** Every key into a file: the backup passphrase in a trusted prompt, the file in the OS's save dialog. */
    backup(): Promise<Reply<BackupSaved>>;
    /** A backup file into this empty wallet, sealed as chosen (as createWallet). */
    restoreBackup(params: { sealers: SealerChoice[]; unlockPolicy?: 'any' | 'all'; token?: string }): Promise<Reply<BackupRestored>>;
  };
  keys: {
    createSeed(params: { label?: string; words?: 12 | 24 }): Promise<Reply<{ created: boolean; key?: Result<'keys.get'> }>>;
    restoreSeed(params: { label?: string }): Promise<Reply<{ restored: boolean; key?: Result<'keys.get'> }>>;
    importKey(params: { label?: string; requiresApproval?: boolean }): Promise<Reply<{ imported: boolean; key?: Result<'keys.get'> }>>;
  };
  tokens: { login(params: { token: string }): Promise<Reply<{ token: string; loggedIn: boolean }>> };
  settings: {
    get(): Promise<Reply<DesktopSettingsView>>;
    update(params: { autoLockMinutes?: number; keyCacheSeconds?: number }): Promise<Reply<DesktopSettingsView>>;
  };
}

export type WalletApi = { [N in keyof KmsApi]: KmsApi[N] & (N extends keyof FlowApi ? FlowApi[N] : unknown) } & {
  session: FlowApi['session'];
  settings: FlowApi['settings'];
};

export type Invoke = (request: WalletRequest) => Promise<WalletReply>;

/** Anything that is not a reply envelope (a broken channel) becomes a typed INTERNAL error. */
async function settle(p: Promise<WalletReply>): Promise<WalletReply> {
  try {
    const r = await p;
    if (r && typeof r === 'object' && (r.ok === true || (r.ok === false && typeof r.error?.kind === 'string'))) return r;
  } catch {
    // fall through
  }
  return { ok: false, error: { kind: 'INTERNAL', message: 'the wallet bridge failed' } };
}

export function buildWalletApi(invoke: Invoke, subscribe: (listener: (e: WalletEvent) => void) => void): WalletApi {
  const api: Record<string, Record<string, unknown>> = {};
  for (const method of UI_METHODS) {
    const [ns, fn] = method.split('.') as [string, string];
    (api[ns] ??= {})[fn] = (params?: unknown) => settle(invoke({ method, params: params ?? {} }));
  }
  const flow = (method: FlowMethod) => (params?: unknown) => settle(invoke(params === undefined ? { method } : { method, params }));
  api.session = {
    createWallet: (params?: unknown) => flow('flow.createWallet')(params),
    unlock: () => flow('flow.unlock')(),
    backup: () => flow('flow.backup')(),
    restoreBackup: (params?: unknown) => flow('flow.restoreBackup')(params),
    onEvent: (listener: unknown) => {
      if (typeof listener === 'function') subscribe((e) => (listener as (e: WalletEvent) => void)(e));
    },
  };
  api.keys!.createSeed = flow('flow.createSeed');
  api.keys!.restoreSeed = flow('flow.restoreSeed');
  api.keys!.importKey = flow('flow.importKey');
  api.settings = { get: () => flow('flow.getSettings')(), update: flow('flow.updateSettings') };
  api.tokens!.login = flow('flow.tokenLogin');
  return api as unknown as WalletApi;
}
