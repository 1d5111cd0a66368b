// A new recovery phrase, shown once in this trusted window, then three of its words asked back.
import { useState, type FormEvent } from 'react';
import type { MnemonicPromptApi } from './promptApi.js';
import { usePromptView } from './usePromptView.js';

export function MnemonicPrompt({ api }: { api: MnemonicPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [words, setWords] = useState(['', '', '']);
  if (!view) return <div className="prompt-card"><p className="muted">…</p></div>;
  if (view.done) return <div className="prompt-card"><p className="muted">Done. This window closes.</p></div>;
  if (view.step === 'show') {
    const list = view.words as string[];
    return (
      <div className="prompt-card">
        <p className="trusted">OpenWallet · trusted prompt</p>
        <h2>Your recovery phrase</h2>
        <p>Write these {list.length} words down, in order, and keep them offline. They are shown only now.</p>
        <ol className="words" data-testid="mnemonic-words">
          {list.map((w, i) => <li key={i}>{w}</li>)}
        </ol>
        <div className="row">
          <button disabled={busy} onClick={() => answer(api.next())}>I wrote them down</button>
          <button className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </div>
    );
  }
  const positions = view.positions as number[];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.confirm(words[0]!, words[1]!, words[2]!));
  };
  return (
    <div className="prompt-card">
      <p className="trusted">OpenWallet · trusted prompt</p>
      <h2>Check your copy</h2>
      <p>Type the words at these positions from the copy you wrote down.</p>
      {typeof view.error === 'string' && <p className="error" role="alert">{view.error}</p>}
      <form onSubmit={submit} className="form">
        {positions.map((p, i) => (
          <label key={p}>Word {p}<input autoComplete="off" value={words[i]} onChange={(e) => setWords(words.map((w, j) => (j === i ? e.target.value : w)))} /></label>
        ))}
        <div className="row">
          <button type="submit" disabled={busy}>Confirm</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </div>
  );
}
