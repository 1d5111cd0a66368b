// Encrypt and decrypt text or a file with a key (the result is a small JSON envelope naming the key, mode, nonce,
// tag and key version), and key agreement: two keys (yours and a peer's public key) give a shared AES key that the
// KMS keeps. Files are read and written by the browser; nothing leaves this computer.
import { useState } from 'react';
import { CopyValue } from '../components/CopyButton.js';
import { ErrorBanner, Progress, Success } from '../components/Feedback.js';
import { TabPanel, Tabs } from '../components/Tabs.js';
import { useAction } from '../components/useAction.js';
import { b64uToText, fromB64u, textToB64u, toB64u } from '../format/formatting.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi, WalletError } from '../walletClient.js';
import { parsePublicKey } from './signOptions.js';
import { KeySelect } from './SignScreen.js';

/** Largest file encrypted in one message (the protocol carries 4 MiB of data per call). */
export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export interface Envelope {
  openwallet: 'encrypted';
  v: 1;
  key: string;
  mode: string;
  iv?: string;
  tag?: string;
  version?: number;
  name?: string;
  ciphertext: string;
}

export function parseEnvelope(text: string): Envelope | undefined {
  try {
    const e = JSON.parse(text) as Envelope;
    return e && e.openwallet === 'encrypted' && e.v === 1 && typeof e.key === 'string' && typeof e.ciphertext === 'string' ? e : undefined;
  } catch {
    return undefined;
  }
}

function download(name: string, bytes: Uint8Array, type: string) {
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function readFile(file: File): Promise<Uint8Array> {
  if (file.size > MAX_FILE_BYTES) throw new WalletError('INVALID_REQUEST', `the file is larger than ${MAX_FILE_BYTES / 1024 / 1024} MB`);
  return new Uint8Array(await file.arrayBuffer());
}

type Tab = 'encrypt' | 'decrypt' | 'agree';

export function EncryptScreen() {
  const [tab, setTab] = useState<Tab>('encrypt');
  const { keys, reload } = useKeys();
  const all = keys ?? [];
  return (
    <section aria-labelledby="encrypt-title">
      <div className="screen-head"><h2 id="encrypt-title">Encrypt and decrypt</h2></div>
      <div className="card">
        <Tabs label="Operation" tabs={[{ id: 'encrypt', title: 'Encrypt' }, { id: 'decrypt', title: 'Decrypt' }, { id: 'agree', title: 'Key agreement' }] as const} current={tab} onChange={setTab} />
        {/* Symmetric keys first: RSA encrypts only a few hundred bytes (OAEP). */}
        {tab === 'encrypt' && <TabPanel id="encrypt"><EncryptForm keys={all.filter((k) => k.purposes.includes('encrypt')).sort((a, b) => Number(a.algorithm.startsWith('rsa')) - Number(b.algorithm.startsWith('rsa')))} /></TabPanel>}
        {tab === 'decrypt' && <TabPanel id="decrypt"><DecryptForm /></TabPanel>}
        {tab === 'agree' && <TabPanel id="agree"><AgreeForm keys={all} onCreated={() => void reload()} /></TabPanel>}
      </div>
    </section>
  );
}

function EncryptForm({ keys }: { keys: ReturnType<typeof useKeys>['keys'] & object }) {
  const wallet = walletApi();
  const [id, setId] = useState('');
  const key = keys.find((k) => k.id === id) ?? keys[0];
  const [what, setWhat] = useState<'text' | 'file'>('text');
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | undefined>(undefined);
  const [out, setOut] = useState('');
  const { busy, error, run } = useAction();
  const encrypt = () =>
    run(what === 'file' ? 'Encrypting the file…' : 'Encrypting…', async () => {
      if (!key) return;
      const data = what === 'text' ? textToB64u(text) : file ? toB64u(await readFile(file)) : undefined;
      if (data === undefined) throw new WalletError('INVALID_REQUEST', 'choose a file first');
      const r = await unwrap(wallet.crypto.encrypt({ id: key.id, data }));
      const env: Envelope = { openwallet: 'encrypted', v: 1, key: key.id, mode: r.mode, ...(r.iv ? { iv: r.iv } : {}), ...(r.tag ? { tag: r.tag } : {}), ...(r.version !== undefined ? { version: r.version } : {}), ...(what === 'file' && file ? { name: file.name } : {}), ciphertext: r.ciphertext };
      const json = JSON.stringify(env);
      setOut(json);
      if (what === 'file' && file) download(`${file.name}.owenc.json`, new TextEncoder().encode(json), 'application/json');
    });
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void encrypt(); }}>
      <KeySelect keys={keys} value={key?.id ?? ''} onChange={setId} />
      <fieldset><legend>Encrypt</legend>
        <label className="radio"><input type="radio" name="enc-what" checked={what === 'text'} onChange={() => setWhat('text')} />Text</label>
        <label className="radio"><input type="radio" name="enc-what" checked={what === 'file'} onChange={() => setWhat('file')} />A file (up to 4 MB)</label>
      </fieldset>
      {what === 'text' ? <label>Text to encrypt<textarea rows={4} value={text} onChange={(e) => setText(e.target.value)} /></label> : <label>File<input type="file" onChange={(e) => setFile(e.target.files?.[0])} /></label>}
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || !key}>Encrypt</button></div>
      {out && (<div aria-live="polite"><h3>Encrypted</h3><p className="hint">{what === 'file' ? 'Saved as a .owenc.json file; the same text is here. ' : ''}Only this wallet can open it: paste it under “Decrypt” (it names its key, which must still be here).</p><CopyValue value={out} what="encrypted envelope" testId="envelope" /></div>)}
    </form>
  );
}

function DecryptForm() {
  const wallet = walletApi();
  const [text, setText] = useState('');
  const [plain, setPlain] = useState<{ text?: string; bytes: number; name?: string } | undefined>(undefined);
  const { busy, error, run } = useAction();
  const decrypt = () =>
    run('Decrypting…', async () => {
      setPlain(undefined);
      const env = parseEnvelope(text);
      if (!env) throw new WalletError('INVALID_REQUEST', 'this is not an OpenWallet encrypted envelope');
      const r = await unwrap(wallet.crypto.decrypt({ id: env.key, data: env.ciphertext, mode: env.mode as never, ...(env.iv ? { iv: env.iv } : {}), ...(env.tag ? { tag: env.tag } : {}), ...(env.version !== undefined ? { version: env.version } : {}) }));
      const bytes = fromB64u(r.plaintext);
      if (env.name) download(env.name, bytes, 'application/octet-stream');
      const t = env.name ? undefined : b64uToText(r.plaintext);
      setPlain({ bytes: bytes.length, ...(t !== undefined ? { text: t } : {}), ...(env.name ? { name: env.name } : {}) });
    });
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void decrypt(); }}>
      <label>Encrypted envelope (paste it, or open a .owenc.json file)<textarea rows={5} value={text} onChange={(e) => setText(e.target.value)} spellCheck={false} /></label>
      <label>Open a file<input type="file" accept=".json,application/json" onChange={(e) => void e.target.files?.[0]?.text().then(setText)} /></label>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || !text}>Decrypt</button></div>
      {plain && (
        <div aria-live="polite">
          <h3>Decrypted</h3>
          {plain.name ? <Success>Saved as “{plain.name}” ({plain.bytes} bytes).</Success> : plain.text !== undefined ? <pre data-testid="plaintext">{plain.text}</pre> : <p>{plain.bytes} bytes of binary data.</p>}
        </div>
      )}
    </form>
  );
}

function AgreeForm({ keys, onCreated }: { keys: NonNullable<ReturnType<typeof useKeys>['keys']>; onCreated: () => void }) {
  const wallet = walletApi();
  const mine = keys.filter((k) => k.purposes.includes('agree'));
  const [id, setId] = useState('');
  const key = mine.find((k) => k.id === id) ?? mine[0];
  const peers = keys.filter((k) => k.publicKey?.jwk && key && k.algorithm === key.algorithm && k.id !== key.id);
  const [peerSource, setPeerSource] = useState<'wallet' | 'pasted'>('wallet');
  const [peerId, setPeerId] = useState('');
  const peer = peers.find((k) => k.id === peerId) ?? peers[0];
  const [pasted, setPasted] = useState('');
  const [label, setLabel] = useState('Shared key');
  const [made, setMade] = useState('');
  const { busy, error, run } = useAction();
  const agree = () =>
    run('Agreeing on a shared key…', async () => {
      if (!key) return;
      let peerPublicKey: string | Record<string, unknown>;
      if (peerSource === 'wallet') {
        if (!peer?.publicKey?.jwk) throw new WalletError('INVALID_REQUEST', 'choose the peer key');
        peerPublicKey = peer.publicKey.jwk;
      } else {
        const pk = parsePublicKey(pasted);
        if (!pk || pk.format === 'spki') throw new WalletError('INVALID_REQUEST', 'paste the peer public key as a JWK, hex or base64url');
        peerPublicKey = pk.data;
      }
      const r = await unwrap(wallet.crypto.agree({ id: key.id, peerPublicKey: peerPublicKey as never, derive: { algorithm: 'aes-256', label } }));
      setMade(r.key ? `Made “${r.key.label}” (${r.key.algorithm}, id ${r.key.id}). It is kept in the keystore; encrypt with it under “Encrypt”.` : 'Done.');
      onCreated();
    });
  return (
    <form className="form" onSubmit={(e) => { e.preventDefault(); void agree(); }}>
      <p className="hint">Both sides combine their own private key with the other’s public key and get the same secret; the KMS turns it into an AES-256 key (HKDF-SHA256) and keeps it. The secret itself never reaches this window.</p>
      <KeySelect keys={mine} value={key?.id ?? ''} onChange={setId} label="Your key" />
      <fieldset><legend>Peer public key</legend>
        <label className="radio"><input type="radio" name="peer" checked={peerSource === 'wallet'} onChange={() => setPeerSource('wallet')} />Another key in this wallet</label>
        <label className="radio"><input type="radio" name="peer" checked={peerSource === 'pasted'} onChange={() => setPeerSource('pasted')} />Pasted (JWK, hex or base64url)</label>
      </fieldset>
      {peerSource === 'wallet' ? <KeySelect keys={peers} value={peer?.id ?? ''} onChange={setPeerId} label="Peer key" /> : <label>Peer public key<textarea rows={3} value={pasted} onChange={(e) => setPasted(e.target.value)} /></label>}
      <label>Label of the shared key<input value={label} onChange={(e) => setLabel(e.target.value)} maxLength={100} /></label>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {made && <Success>{made}</Success>}
      <div className="row"><button type="submit" disabled={!!busy || !key}>Agree on a key</button></div>
    </form>
  );
}
