// The trusted prompt pages see exactly one of these objects, put there by their window's own preload.
export type View = Record<string, unknown> & { done?: true; error?: string };

export interface UnlockPromptApi { view(): Promise<View>; unlock(passphrase: string): Promise<View>; cancel(): Promise<View> }
export interface CreatePromptApi { view(): Promise<View>; create(passphrase: string, confirm: string): Promise<View>; cancel(): Promise<View> }
export interface PinPromptApi { view(): Promise<View>; login(pin: string, confirmFinalTry?: boolean): Promise<View>; cancel(): Promise<View> }
export interface ApprovalPromptApi { view(): Promise<View>; approve(): Promise<View>; deny(): Promise<View> }
export interface MnemonicPromptApi {
  view(): Promise<View>;
  next(): Promise<View>;
  confirm(word1: string, word2: string, word3: string): Promise<View>;
  cancel(): Promise<View>;
}
export interface RestorePromptApi { view(): Promise<View>; restore(mnemonic: string, bip39Passphrase: string): Promise<View>; cancel(): Promise<View> }
export interface ImportPromptApi { view(): Promise<View>; import(format: string, algorithm: string, data: string): Promise<View>; cancel(): Promise<View> }

export interface BackupPromptApi { view(): Promise<View>; submit(backupPassphrase: string, confirm: string): Promise<View>; cancel(): Promise<View> }

export interface PromptGlobals {
  unlockPrompt?: UnlockPromptApi;
  createPrompt?: CreatePromptApi;
  pinPrompt?: PinPromptApi;
  approvalPrompt?: ApprovalPromptApi;
  mnemonicPrompt?: MnemonicPromptApi;
  restorePrompt?: RestorePromptApi;
  importPrompt?: ImportPromptApi;
  backupPrompt?: BackupPromptApi;
}
