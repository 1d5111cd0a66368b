// Shared state of a prompt page: the view main sent, replaced by the next one after each answer; `done` closes.
import { useEffect, useState } from 'react';
import type { View } from './promptApi.js';

export function usePromptView(initial: () => Promise<View>) {
  const [view, setView] = useState<View | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void initial().then(setView);
  }, []);
  const answer = async (p: Promise<View>) => {
    setBusy(true);
    try {
      setView(await p);
    } finally {
      setBusy(false);
    }
  };
  return { view, busy, answer };
}
