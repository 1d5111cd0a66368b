// One place that opens OS keychain entries for the KMS. On Linux the keyring library falls back from the Secret
// Service to the kernel keyring (keyutils) when no Secret Service answers; the kernel keyring lives in memory and is
// gone at reboot or logout, so a master-key share kept there is a keystore lost, and a rollback counter kept there
// silently resets. Entries are pinned to the Secret Service: without one, the keychain is unavailable (and says so).
import { AsyncEntry } from '@napi-rs/keyring';

export interface KeychainEntry {
  setPassword(password: string, signal?: AbortSignal): Promise<void>;
  getPassword(signal?: AbortSignal): Promise<string | null>;
  deletePassword(signal?: AbortSignal): Promise<boolean>;
}

/** An entry whose every call fails as a rejected promise, opening it included (no Secret Service: it throws). */
export function keychainEntry(service: string, account: string): KeychainEntry {
  const open = () => new AsyncEntry(service, account, { linux: { store: 'secret-service' } });
  return {
    setPassword: async (password, signal) => open().setPassword(password, signal),
    getPassword: async (signal) => open().getPassword(signal),
    deletePassword: async (signal) => open().deletePassword(signal),
  };
}
