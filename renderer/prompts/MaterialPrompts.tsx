// The prompts where key material comes in: a recovery phrase to restore (and an optional BIP39 passphrase), and a
// key to import (a JWK, a PEM key, or secret bytes). Typed or pasted here, sent to main, never to the wallet window.
import { useState, type FormEvent } from 'react';
import type { ImportPromptApi, RestorePromptApi } from './promptApi.js';
import { PromptFrame } from './PromptFrame.js';
import { usePromptView } from './usePromptView.js';

export function RestorePrompt({ api }: { api: RestorePromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [words, setWords] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [withPassphrase, setWithPassphrase] = useState(false);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.restore(words, withPassphrase ? passphrase : ''));
  };
  const count = words.trim() === '' ? 0 : words.trim().split(/\s+/).length;
  return (
    <PromptFrame title="Restore from your recovery phrase" view={view}>
      <p>Type your 12 or 24 words in order, separated by spaces. They stay between this window and the key service.</p>
      <form onSubmit={submit} className="form">
        <label>Recovery phrase<textarea rows={4} autoFocus autoComplete="off" spellCheck={false} value={words} onChange={(e) => setWords(e.target.value)} aria-describedby="word-count" /></label>
        <span className="hint" id="word-count" aria-live="polite">{count} {count === 1 ? 'word' : 'words'}</span>
        <label className="check"><input type="checkbox" checked={withPassphrase} onChange={(e) => setWithPassphrase(e.target.checked)} />My phrase has an extra passphrase (the “25th word”)</label>
        {withPassphrase && <label>BIP39 passphrase<input type="password" autoComplete="off" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} /></label>}
        <div className="row">
          <button type="submit" disabled={busy}>Restore</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}

const FORMAT_TEXT: Record<string, { name: string; hint: string }> = {
  jwk: { name: 'JWK (JSON Web Key)', hint: 'A private or public JWK, e.g. {"kty":"OKP","crv":"Ed25519",...}' },
  pkcs8: { name: 'Private key (PEM, PKCS#8)', hint: 'Starts with -----BEGIN PRIVATE KEY-----' },
  spki: { name: 'Public key (PEM)', hint: 'Starts with -----BEGIN PUBLIC KEY-----; the wallet can then verify and encrypt with it' },
  secret: { name: 'Secret key bytes (hex)', hint: 'For AES, HMAC or ChaCha keys: choose the algorithm below' },
};
const ALGORITHMS = ['', 'ed25519', 'x25519', 'secp256k1', 'p256', 'p384', 'p521', 'rsa-2048', 'rsa-3072', 'rsa-4096', 'aes-128', 'aes-256', 'hmac-sha256', 'hmac-sha384', 'hmac-sha512', 'chacha20-poly1305', 'xchacha20-poly1305'];

export function ImportPrompt({ api }: { api: ImportPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const [format, setFormat] = useState('jwk');
  const [algorithm, setAlgorithm] = useState('');
  const [data, setData] = useState('');
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void answer(api.import(format, algorithm, data));
  };
  return (
    <PromptFrame title="Import a key" view={view}>
      <p>Paste the key here, not in the wallet window. It is stored encrypted and cannot be exported again from the wallet window.</p>
      <form onSubmit={submit} className="form">
        <label>Format
          <select value={format} onChange={(e) => setFormat(e.target.value)} aria-describedby="format-hint">
            {Object.entries(FORMAT_TEXT).map(([id, f]) => <option key={id} value={id}>{f.name}</option>)}
          </select>
          <span className="hint" id="format-hint">{FORMAT_TEXT[format]?.hint}</span>
        </label>
        <label>Algorithm
          <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value)}>
            {ALGORITHMS.map((a) => <option key={a} value={a}>{a || 'Detect from the key'}</option>)}
          </select>
        </label>
        <label>Key<textarea rows={7} autoFocus autoComplete="off" spellCheck={false} value={data} onChange={(e) => setData(e.target.value)} /></label>
        <div className="row">
          <button type="submit" disabled={busy || data.trim() === ''}>Import</button>
          <button type="button" className="secondary" disabled={busy} onClick={() => answer(api.cancel())}>Cancel</button>
        </div>
      </form>
    </PromptFrame>
  );
}
