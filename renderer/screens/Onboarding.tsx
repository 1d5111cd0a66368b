// Onboarding: create a wallet (choose how it is sealed: each sealer with its availability and, when it is not
// there, why), restore one from a recovery phrase typed in a trusted prompt, or from a backup file (chosen in the
// OS's dialog, opened with its passphrase in a trusted prompt); then the recovery phrase that the accounts come from. Passphrases, PINs and words are typed only in trusted prompts.
import { useEffect, useState } from 'react';
import type { Result } from '../../kms-process/api/methods.js';
import type { BackupRestored, SealerChoice } from '../../main/preload/walletApi.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatDate } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';

type Status = Result<'kms.status'>;

export const SEALER_TEXT: Record<SealerChoice, { name: string; what: string }> = {
  passphrase: { name: 'Passphrase', what: 'A passphrase you type to unlock. Works everywhere; nobody can recover it for you.' },
  tpm: { name: 'TPM (this computer’s security chip)', what: 'Unlocks without typing, only on this computer. Lost if the chip is reset or replaced.' },
  keychain: { name: 'OS keychain', what: 'Unlocks with your login session (Secret Service, macOS Keychain, Windows Credential Manager).' },
  pkcs11: { name: 'Security token (smart card, YubiKey, HSM)', what: 'Unlocks with the token plugged in and its PIN.' },
};

/** How a sealer is named in "only ... can open this wallet". */
const ONLY_WAY: Record<SealerChoice, string> = { passphrase: 'your passphrase', tpm: 'this computer’s TPM', keychain: 'your login keychain', pkcs11: 'your security token' };

export function Onboarding(props: { state: string; onState: () => void; onDone: () => void }) {
  const [mode, setMode] = useState<'welcome' | 'create' | 'restore' | 'backup'>('welcome');
  const [created, setCreated] = useState(props.state === 'unlocked');
  const [restored, setRestored] = useState<BackupRestored | undefined>(undefined);
  if (restored) return <RestoredStep restored={restored} onDone={props.onDone} />;
  if (created) return <SeedStep restore={mode === 'restore'} onDone={props.onDone} />;
  if (mode === 'welcome') {
    return (
      <section className="card center" aria-labelledby="welcome-title">
        <h2 id="welcome-title">Welcome to OpenWallet</h2>
        <p className="lead">Your keys live in a separate, locked-down key service on this computer. This window never sees a private key, a passphrase or your recovery phrase: you type those in OpenWallet’s own trusted windows.</p>
        <div className="row">
          <button onClick={() => setMode('create')}>Create a new wallet</button>
          <button className="secondary" onClick={() => setMode('restore')}>Restore from a recovery phrase</button>
          <button className="secondary" onClick={() => setMode('backup')}>Restore from a backup file</button>
        </div>
      </section>
    );
  }
  return (
    <SealerStep
      restore={mode === 'restore'}
      fromBackup={mode === 'backup'}
      onBack={() => setMode('welcome')}
      onCreated={() => {
        setCreated(true);
        props.onState();
      }}
      onRestored={(r) => {
        setRestored(r);
        props.onState();
      }}
    />
  );
}

/** After a backup was restored: what came back (the seeds are in it: no recovery phrase step). */
function RestoredStep({ restored, onDone }: { restored: BackupRestored; onDone: () => void }) {
  return (
    <section className="card center" aria-labelledby="restored-title">
      <h2 id="restored-title">Your wallet is back</h2>
      <p className="lead" data-testid="restored-summary">
        {restored.keys} {restored.keys === 1 ? 'key' : 'keys'}{restored.versions ? ` and ${restored.versions} earlier ${restored.versions === 1 ? 'version' : 'versions'}` : ''}{restored.remotes ? `, ${restored.remotes} KMIP ${restored.remotes === 1 ? 'server' : 'servers'}` : ''} restored from the backup made {restored.backedUpAt ? formatDate(restored.backedUpAt) : ''}. They sign exactly as before; keys on a token need that token plugged in.
      </p>
      <div className="row"><button onClick={onDone}>Open the wallet</button></div>
    </section>
  );
}

function SealerStep(props: { restore: boolean; fromBackup: boolean; onBack: () => void; onCreated: () => void; onRestored: (r: BackupRestored) => void }) {
  const wallet = walletApi();
  const [status, setStatus] = useState<Status | undefined>(undefined);
  const [chosen, setChosen] = useState<SealerChoice[]>(['passphrase']);
  const [policy, setPolicy] = useState<'any' | 'all'>('any');
  const [token, setToken] = useState('');
  const { busy, error, run } = useAction();

  useEffect(() => {
    void run('Checking what this computer offers…', async () => {
      const s = await unwrap(wallet.kms.status({ probe: true }));
      setStatus(s);
      if (s.tokens[0]) setToken(s.tokens[0].serial);
    });
  }, [wallet, run]);

  const toggle = (k: SealerChoice, on: boolean) => setChosen((c) => (on ? [...c, k] : c.filter((x) => x !== k)));
  const choice = { sealers: chosen, unlockPolicy: policy, ...(chosen.includes('pkcs11') ? { token } : {}) };
  const create = () =>
    props.fromBackup
      ? run('Restoring: choose the backup file, then follow the trusted windows…', async () => {
          const r = await unwrap(wallet.session.restoreBackup(choice));
          if (r.state === 'unlocked') props.onRestored(r);
        })
      : run('Creating the wallet: follow the trusted window…', async () => {
          const r = await unwrap(wallet.session.createWallet(choice));
          if (r.state === 'unlocked') props.onCreated();
        });

  return (
    <section className="card center" style={{ maxWidth: 720 }} aria-labelledby="sealers-title">
      <h2 id="sealers-title">{props.restore || props.fromBackup ? 'Restore a wallet: first, how to lock it' : 'Create a wallet: how to lock it'}</h2>
      <p className="lead">A random master key encrypts your keystore. Choose what seals it; you need one of them (or all of them) to unlock.</p>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {status && (
        <form className="form" onSubmit={(e) => { e.preventDefault(); void create(); }}>
          <fieldset>
            <legend>Sealers</legend>
            {(['passphrase', 'tpm', 'keychain', 'pkcs11'] as const).map((k) => {
              const s = status.sealers.find((x) => x.kind === k);
              const available = s?.available ?? k === 'passphrase';
              return (
                <div key={k} className={`choice ${available ? '' : 'unavailable'}`}>
                  <label className="check">
                    <input type="checkbox" checked={chosen.includes(k)} disabled={!available} onChange={(e) => toggle(k, e.target.checked)} aria-describedby={`sealer-${k}-why`} />
                    <span>
                      <strong>{SEALER_TEXT[k].name}</strong> <span className={`badge ${available ? 'ok' : 'warn'}`}>{available ? 'available' : 'not available'}</span>
                      <br />
                      <span className="hint" id={`sealer-${k}-why`}>{SEALER_TEXT[k].what}{!available && s?.detail ? ` Not available here: ${s.detail}` : ''}</span>
                    </span>
                  </label>
                  {k === 'pkcs11' && chosen.includes('pkcs11') && (
                    <label style={{ marginTop: 8 }}>Token
                      <select value={token} onChange={(e) => setToken(e.target.value)}>
                        {status.tokens.map((t) => <option key={t.serial} value={t.serial}>{t.label} (serial {t.serial})</option>)}
                      </select>
                    </label>
                  )}
                </div>
              );
            })}
          </fieldset>
          <fieldset>
            <legend>With more than one sealer</legend>
            <label className="radio"><input type="radio" name="policy" checked={policy === 'any'} onChange={() => setPolicy('any')} /><span><strong>Any one unlocks</strong> <span className="hint">— each is a way in, so a passphrase is also your way back if the TPM or token is lost.</span></span></label>
            <label className="radio"><input type="radio" name="policy" checked={policy === 'all'} onChange={() => setPolicy('all')} /><span><strong>All are needed together</strong> <span className="hint">— stronger (e.g. the TPM and your passphrase), but losing one locks you out.</span></span></label>
          </fieldset>
          {chosen.length > 0 && !chosen.includes('passphrase') && (
            <p className="note" data-testid="no-passphrase-note">
              Without a passphrase, only {chosen.map((k) => ONLY_WAY[k]).join(policy === 'all' ? ' together with ' : ' or ')} can open this wallet. {props.fromBackup ? 'Keep the backup file and its passphrase: they bring the wallet back if that is lost or reset.' : 'Write down the recovery phrase next: it brings your accounts back if that is lost or reset.'}
            </p>
          )}
          <div className="row">
            <button type="submit" disabled={!!busy || chosen.length === 0 || (chosen.includes('pkcs11') && !token)}>{props.fromBackup ? 'Choose the backup file…' : 'Create wallet'}</button>
            <button type="button" className="secondary" onClick={props.onBack} disabled={!!busy}>Back</button>
          </div>
        </form>
      )}
    </section>
  );
}

function SeedStep({ restore, onDone }: { restore: boolean; onDone: () => void }) {
  const wallet = walletApi();
  const { busy, error, run } = useAction();
  const create = () =>
    run('Showing your recovery phrase in a trusted window…', async () => {
      const r = await unwrap(wallet.keys.createSeed({ label: 'Main wallet', words: 24 }));
      if (r.created) onDone();
    });
  const restoreSeed = () =>
    run('Waiting for your words in the trusted window…', async () => {
      const r = await unwrap(wallet.keys.restoreSeed({ label: 'Restored wallet' }));
      if (r.restored) onDone();
    });
  return (
    <section className="card center" aria-labelledby="seed-title">
      <h2 id="seed-title">{restore ? 'Type your recovery phrase' : 'Your recovery phrase'}</h2>
      {restore ? (
        <p className="lead">Type your 12 or 24 words in the trusted window that opens (not here). Your accounts come back from them.</p>
      ) : (
        <p className="lead">Your accounts (Ethereum, Bitcoin, Solana) come from 24 words. A trusted window shows them once: write them down on paper, then type three of them back.</p>
      )}
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      <div className="row">
        <button onClick={() => void (restore ? restoreSeed() : create())} disabled={!!busy}>{restore ? 'Type my recovery phrase' : 'Show my recovery phrase'}</button>
        <button className="secondary" onClick={onDone} disabled={!!busy}>Skip for now</button>
      </div>
    </section>
  );
}
