// Settings: auto-lock time and key cache time (kept by main; a change that protects less is confirmed in a trusted
// window), and the theme (follows the OS, or light, or dark). The backup to a file (BackupEntry, as in Security).
import { useEffect, useState } from 'react';
import type { DesktopSettingsView } from '../../main/preload/walletApi.js';
import { ErrorBanner, Progress, Success } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { applyTheme, savedTheme, type Theme } from '../theme.js';
import { unwrap, walletApi } from '../walletClient.js';
import { BackupEntry } from './SecurityScreen.js';

export const autoLockText = (m: number) => (m === 0 ? 'Never (only on sleep or screen lock)' : `After ${m} minute${m === 1 ? '' : 's'}`);
export const keyCacheText = (s: number) => (s === 0 ? 'Do not keep (decrypt for each use)' : s < 60 ? `${s} seconds` : `${s / 60} minute${s === 60 ? '' : 's'}`);

export function SettingsScreen() {
  const wallet = walletApi();
  const [settings, setSettings] = useState<DesktopSettingsView | undefined>(undefined);
  const [theme, setTheme] = useState<Theme>(savedTheme());
  const [saved, setSaved] = useState('');
  const { busy, error, run } = useAction();
  useEffect(() => {
    void run('', async () => setSettings(await unwrap(wallet.settings.get())));
  }, [wallet, run]);

  const change = (patch: { autoLockMinutes?: number; keyCacheSeconds?: number }) =>
    run('Saving… (a change that protects less is confirmed in a trusted window)', async () => {
      setSaved('');
      setSettings(await unwrap(wallet.settings.update(patch)));
      setSaved('Saved.');
    });

  return (
    <section aria-labelledby="settings-title">
      <div className="screen-head"><h2 id="settings-title">Settings</h2></div>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {saved && <Success>{saved}</Success>}
      <div className="grid">
        <section className="card form" aria-labelledby="lock-h">
          <h3 id="lock-h" style={{ marginTop: 0 }}>Locking</h3>
          {settings && (
            <>
              <label>Lock the wallet when idle
                <select value={settings.autoLockMinutes} onChange={(e) => void change({ autoLockMinutes: Number(e.target.value) })} disabled={!!busy} aria-describedby="autolock-help">
                  {settings.choices.autoLockMinutes.map((m) => <option key={m} value={m}>{autoLockText(m)}</option>)}
                </select>
                <span className="hint" id="autolock-help">The wallet also locks at once when the computer sleeps or the screen locks. Activity in this window does not keep it open.</span>
              </label>
              <label>Keep a decrypted key in memory
                <select value={settings.keyCacheSeconds} onChange={(e) => void change({ keyCacheSeconds: Number(e.target.value) })} disabled={!!busy} aria-describedby="cache-help">
                  {settings.choices.keyCacheSeconds.map((s) => <option key={s} value={s}>{keyCacheText(s)}</option>)}
                </select>
                <span className="hint" id="cache-help">After its last use, a key is wiped from the key service’s memory after this time. Shorter is safer; longer is faster for many signatures.</span>
              </label>
            </>
          )}
        </section>
        <section className="card form" aria-labelledby="theme-h">
          <h3 id="theme-h" style={{ marginTop: 0 }}>Appearance</h3>
          <fieldset>
            <legend>Theme</legend>
            {(['system', 'light', 'dark'] as const).map((t) => (
              <label key={t} className="radio">
                <input type="radio" name="theme" checked={theme === t} onChange={() => { setTheme(t); applyTheme(t, true); }} />
                {t === 'system' ? 'Follow the system' : t === 'light' ? 'Light' : 'Dark'}
              </label>
            ))}
          </fieldset>
        </section>
        <BackupEntry />
      </div>
    </section>
  );
}
