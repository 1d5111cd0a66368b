// The prompts where the user types a secret: create wallet (passphrase twice), unlock (passphrase), token PIN.
// What is typed goes to main through this window's preload; the wallet window never sees it.
import { useState, type FormEvent } from 'react';
import type { CreatePromptApi, PinPromptApi, UnlockPromptApi, View } from './promptApi.js';
import { usePromptView } from './usePromptView.js';

function Frame(props: { title: string; view: View | undefined; children: React.ReactNode }) {
  if (!props.view) return <div className="prompt-card"><p className="muted">…</p></div>;
  if (props.view.done) return <div className="prompt-card"><p className="muted">Done. This window closes.</p></div>;
  return (
    <div className="prompt-card">
      <p className="trusted">OpenWallet · trusted prompt</p>
      <h2>{props.title}</h2>
      {typeof props.view.error === 'string' && <p className="error" role="alert">{props.view.error}</p>}
      {props.children}
    </div>
  );
}

export function UnlockPrompt({ api }: { api: UnlockPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [passphrase, setPassphrase] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.unlock(passphrase));
    setPassphrase('');
  };
  return (
    <Frame title="Unlock your wallet" view={view}>
      <form onSubmit={submit} className="form">
        <label>Passphrase<input type="password" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy}>Unlock</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </Frame>
  );
}

export function CreatePrompt({ api }: { api: CreatePromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [passphrase, setPassphrase] = useState('');
  const [confirm, setConfirm] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.create(passphrase, confirm));
    setPassphrase('');
    setConfirm('');
  };
  return (
    <Frame title="Choose a passphrase" view={view}>
      <p>It encrypts your keystore. Nobody can recover it for you; at least {String(view?.minLength ?? 8)} characters.</p>
      <form onSubmit={submit} className="form">
        <label>New passphrase<input type="password" autoFocus value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>
        <label>Repeat passphrase<input type="password" value={confirm} onChange={(e) => setConfirm(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy}>Create wallet</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </Frame>
  );
}

export function PinPrompt({ api }: { api: PinPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [pin, setPin] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.login(pin));
    setPin('');
  };
  const token = typeof view?.token === 'string' ? view.token : undefined;
  return (
    <Frame title={token ? `PIN for token ${token}` : 'Token PIN'} view={view}>
      <form onSubmit={submit} className="form">
        <label>PIN<input type="password" inputMode="numeric" autoFocus value={pin} onChange={(e) => setPin(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy}>Log in</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </Frame>
  );
}
