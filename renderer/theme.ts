// The theme: follows the OS by default (prefers-color-scheme), or light or dark as chosen in Settings. Not a
// security setting, so the renderer keeps it itself (localStorage of the app's origin).
export type Theme = 'system' | 'light' | 'dark';
const KEY = 'openwallet.theme';

export function savedTheme(): Theme {
  try {
    const t = localStorage.getItem(KEY);
    return t === 'light' || t === 'dark' ? t : 'system';
  } catch {
    return 'system';
  }
}

export function applyTheme(theme: Theme, save = false): void {
  document.documentElement.dataset.theme = theme;
  if (!save) return;
  try {
    localStorage.setItem(KEY, theme);
  } catch {
    // A storage error only means the choice is not remembered.
  }
}
