// The key list every screen shares: all pages of keys.list, oldest first, reloaded after a change.
import { useCallback, useEffect, useState } from 'react';
import type { KeyInfo } from '../kms-process/api/common.js';
import { toErrorInfo, unwrap, walletApi } from './walletClient.js';
import type { ErrorInfo } from './format/errorWording.js';

export function useKeys() {
  const [keys, setKeys] = useState<KeyInfo[] | undefined>(undefined);
  const [error, setError] = useState<ErrorInfo | undefined>(undefined);
  const reload = useCallback(async () => {
    try {
      const all: KeyInfo[] = [];
      let cursor: string | undefined;
      do {
        const page = await unwrap(walletApi().keys.list(cursor ? { cursor, limit: 500 } : { limit: 500 }));
        all.push(...page.keys);
        cursor = page.nextCursor;
      } while (cursor);
      // keys.list pages go in key-id order (random ids); people expect their keys oldest first.
      setKeys(all.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0)));
      setError(undefined);
    } catch (e) {
      setError(toErrorInfo(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, [reload]);
  return { keys, error, reload };
}
