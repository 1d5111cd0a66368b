// The backup prompt: a new backup's passphrase, typed twice (it is all that protects the file, wherever it is
// copied), or the passphrase of the backup file being restored. What is typed goes to main through this window's
// preload; the wallet window never sees it.
import { useState, type FormEvent } from 'react';
import type { BackupPromptApi } from './promptApi.js';
import { PromptFrame } from './PromptFrame.js';
import { usePromptView } from './usePromptView.js';

export function BackupPrompt({ api }: { api: BackupPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const restoring = view?.purpose === 'restore';
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.submit(passphrase, restoring ? '' : confirm));
    setPassphrase('');
    setConfirm('');
  };
  if (restoring) {
    return (
      <PromptFrame title="Open the backup" view={view}>
        <p>Type the passphrase chosen when <strong data-testid="backup-file">{String(view?.file ?? 'this backup')}</strong> was made.</p>
        <form onSubmit={submit} className="form">
          <label>Backup passphrase<input type="password" autoFocus autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
          {busy && <p className="muted" role="status">Opening the backup…</p>}
          <div className="row">
            <button type="submit" disabled={busy}>Open</button>
            <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
          </div>
        </form>
      </PromptFrame>
    );
  }
  return (
    <PromptFrame title="Back up every key to a file" view={view}>
      <p>The file holds every key of this wallet, encrypted under the passphrase you choose here. Anyone with the file and this passphrase has your keys; without the passphrase, nobody can open it, you included. Use at least {String(view?.minLength ?? 12)} characters, and keep the passphrase apart from the file.</p>
      <form onSubmit={submit} className="form">
        <label>Backup passphrase<input type="password" autoFocus autoComplete="new-password" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
        <label>Repeat it<input type="password" autoComplete="new-password" value={confirm} onChange={(e) => setConfirm(e.target.value)} /></label>
        {busy && <p className="muted" role="status">Encrypting the backup…</p>}
        <div className="row">
          <button type="submit" disabled={busy}>Continue: choose where to save</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}
