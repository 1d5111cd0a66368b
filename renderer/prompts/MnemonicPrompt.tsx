// A new recovery phrase, shown once in this trusted window (no copy button: it belongs on paper), then three of its
// words asked back.
import { useState, type FormEvent } from 'react';
import type { MnemonicPromptApi } from './promptApi.js';
import { PromptFrame } from './PromptFrame.js';
import { usePromptView } from './usePromptView.js';

export function MnemonicPrompt({ api }: { api: MnemonicPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [words, setWords] = useState(['', '', '']);
  if (view?.step === 'show') {
    const list = view.words as string[];
    return (
      <PromptFrame title="Your recovery phrase" view={view}>
        <p>Write these {list.length} words on paper, in order, and keep them offline. Anyone who has them has your accounts. They are shown only now.</p>
        <ol className="words" data-testid="mnemonic-words">
          {list.map((w, i) => <li key={i}>{w}</li>)}
        </ol>
        <div className="row">
          <button disabled={busy} onClick={() => answer(api.next())}>I wrote them down</button>
          <button className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </PromptFrame>
    );
  }
  const positions = (view?.positions ?? []) as number[];
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.confirm(words[0]!, words[1]!, words[2]!));
  };
  return (
    <PromptFrame title="Check your copy" view={view}>
      <p>Type the words at these positions from the copy you wrote down.</p>
      <form onSubmit={submit} className="form">
        {positions.map((p, i) => (
          <label key={p}>Word {p}<input autoComplete="off" spellCheck={false} value={words[i]} onChange={(e) => setWords(words.map((w, j) => (j === i ? e.target.value : w)))} /></label>
        ))}
        <div className="row">
          <button type="submit" disabled={busy}>Confirm</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}
