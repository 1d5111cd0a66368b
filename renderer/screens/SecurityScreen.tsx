// Security: what protects this wallet, from kms.status: the sealers (enrolled, available, why not), the unlock
// policy, the TPM, the rollback guard, the key-set check, process hardening, the sandbox layers and the app
// integrity check; and the backup to a file (issue 13).
import { useEffect, useState } from 'react';
import type { Result } from '../../kms-process/api/methods.js';
import type { BackupSaved } from '../../main/preload/walletApi.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatDate } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';
import { SEALER_TEXT } from './Onboarding.js';

type Status = Result<'kms.status'>;

function Badge({ good, warn, children }: { good?: boolean; warn?: boolean; children: React.ReactNode }) {
  return <span className={`badge ${good ? 'ok' : warn ? 'warn' : 'bad'}`}>{children}</span>;
}

const LAYER_STATE: Record<string, { text: string; good: boolean; warn: boolean }> = {
  enforced: { text: 'on', good: true, warn: false },
  partial: { text: 'partly on', good: false, warn: true },
  unavailable: { text: 'not available', good: false, warn: true },
  off: { text: 'off', good: false, warn: false },
};

/** What the key-set check (every stored key against the keystore's authenticated index, after unlock) found. */
const KEY_SET_TEXT: Record<NonNullable<Status['keySet']>, string> = {
  'not run': 'Every key is checked against the keystore’s authenticated index after unlock.',
  checking: 'Every key is being checked against the keystore’s authenticated index; open this screen again to see the result.',
  verified: 'Every key matches the keystore’s authenticated index: none was removed, added or swapped.',
  tampered: 'A key does not match the keystore’s authenticated index: the keystore file was changed outside OpenWallet.',
};

/** Back up every key to a file: the passphrase is typed in a trusted prompt, the file chosen in the OS's dialog. */
export function BackupEntry() {
  const wallet = walletApi();
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState<BackupSaved | undefined>(undefined);
  const [cancelled, setCancelled] = useState(false);
  const backup = () =>
    run('Backing up: follow the trusted window…', async () => {
      setCancelled(false);
      setSaved(undefined);
      const r = await unwrap(wallet.session.backup());
      if (r.saved) setSaved(r);
      else setCancelled(true);
    });
  return (
    <section className="card" aria-labelledby="backup-title" data-testid="backup-entry">
      <h3 id="backup-title" style={{ marginTop: 0 }}>Backup</h3>
      <p>A backup file holds every key of this wallet (recovery phrases, keys you made or imported, their earlier versions, and the references to keys on tokens and KMIP servers), encrypted under a backup passphrase you choose. It opens on any computer, whatever seals the wallet there.</p>
      <p className="hint">Keys on a token stay on the token: the backup holds only where to find them. Your recovery phrase alone brings back your accounts, not the other keys.</p>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {saved && (
        <p className="note" role="status" data-testid="backup-saved">
          Saved {saved.keys} {saved.keys === 1 ? 'key' : 'keys'}{saved.versions ? ` and ${saved.versions} earlier ${saved.versions === 1 ? 'version' : 'versions'}` : ''}{saved.remotes ? `, ${saved.remotes} KMIP ${saved.remotes === 1 ? 'server' : 'servers'}` : ''} to <code>{saved.file}</code> ({Math.ceil((saved.bytes ?? 0) / 1024)} KB, {saved.createdAt ? formatDate(saved.createdAt) : ''}). Keep the passphrase apart from the file.
        </p>
      )}
      {cancelled && <p className="muted" role="status">No backup was saved.</p>}
      <div className="row">
        <button onClick={() => void backup()} disabled={!!busy}>Back up to a file…</button>
      </div>
    </section>
  );
}

/** A technical detail: its first clause in view, the rest folded (it matters to a reviewer, not to every user). */
function Detail({ text }: { text: string | undefined }) {
  if (!text) return null;
  const cut = text.search(/[:;(]/);
  if (cut < 0 || text.length <= 60) return <span className="hint">{text}</span>;
  return (
    <details className="hint detail">
      <summary>{text.slice(0, cut).trim()}</summary>
      {text}
    </details>
  );
}

export function SecurityScreen() {
  const wallet = walletApi();
  const [s, setS] = useState<Status | undefined>(undefined);
  const { busy, error, run } = useAction();
  useEffect(() => {
    void run('Asking the key service…', async () => setS(await unwrap(wallet.kms.status({ probe: true }))));
  }, [wallet, run]);
  const tpm = s?.sealers.find((x) => x.kind === 'tpm');
  return (
    <section aria-labelledby="security-title">
      <div className="screen-head"><h2 id="security-title">Security</h2>{s && <span className="muted">key service {s.version}</span>}</div>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {s && (
        <div className="grid">
          <section className="card" aria-labelledby="sealers-h">
            <h3 id="sealers-h" style={{ marginTop: 0 }}>How the wallet is sealed</h3>
            <table aria-label="Sealers">
              <thead><tr><th scope="col">Sealer</th><th scope="col">Enrolled</th><th scope="col">Available</th></tr></thead>
              <tbody>
                {s.sealers.map((x) => (
                  <tr key={x.kind}>
                    <td>{SEALER_TEXT[x.kind].name}{x.detail && <div className="hint">{x.detail}</div>}</td>
                    <td>{x.enrolled ? <Badge good>yes</Badge> : <span className="muted">no</span>}</td>
                    <td>{x.available ? <Badge good>yes</Badge> : <Badge warn>no</Badge>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <p style={{ marginTop: 10 }}>Unlock policy: <strong>{s.unlockPolicy === 'all' ? 'all enrolled sealers are needed together' : 'any one enrolled sealer unlocks'}</strong>.</p>
            <p>TPM: {tpm?.available ? <Badge good>present</Badge> : <Badge warn>not available</Badge>} {tpm?.detail && <span className="hint">{tpm.detail}</span>}</p>
          </section>
          <section className="card" aria-labelledby="integrity-h">
            <h3 id="integrity-h" style={{ marginTop: 0 }}>Keystore and app integrity</h3>
            <dl className="facts">
              <dt>Rollback guard</dt>
              <dd>
                {s.rollbackGuard ? (
                  <>
                    <Badge good={s.rollbackGuard.kind !== 'none'} warn={s.rollbackGuard.kind === 'none'}>{s.rollbackGuard.kind === 'none' ? 'none' : s.rollbackGuard.kind === 'tpm' ? 'TPM counter' : 'OS keychain'}</Badge>{' '}
                    <span className="hint">{s.rollbackGuard.kind === 'none' ? 'An older copy of the keystore put back in its place would not be noticed (it needs a TPM or the OS keychain). ' : 'An older copy of the keystore put back in its place is refused. '}</span>
                    <Detail text={s.rollbackGuard.detail} />
                  </>
                ) : <span className="muted">shown after unlock</span>}
              </dd>
              <dt>Key set</dt>
              <dd>{s.keySet ? <><Badge good={s.keySet === 'verified'} warn={s.keySet === 'checking' || s.keySet === 'not run'}>{s.keySet}</Badge> <span className="hint">{KEY_SET_TEXT[s.keySet]}</span></> : '—'}</dd>
              <dt>App files</dt>
              <dd>{s.integrity ? <><Badge good={s.integrity.state === 'verified'} warn={s.integrity.state === 'unverified' || s.integrity.state === 'unchecked'}>{s.integrity.state}</Badge> <span className="hint">{s.integrity.detail}{s.integrity.checkedAt ? ` (checked ${formatDate(s.integrity.checkedAt)})` : ''}</span></> : '—'}</dd>
            </dl>
          </section>
          <section className="card" aria-labelledby="process-h">
            <h3 id="process-h" style={{ marginTop: 0 }}>Key service process</h3>
            <dl className="facts">
              <dt>Memory dumps</dt>
              <dd>{s.hardening ? (s.hardening.dumpable === false ? <Badge good>blocked</Badge> : s.hardening.unavailable ? <Badge warn>{s.hardening.unavailable}</Badge> : <Badge warn>allowed</Badge>) : '—'}</dd>
              <dt>Core files</dt>
              <dd>{s.hardening?.coreLimitZero ? <Badge good>off</Badge> : <Badge warn>not limited</Badge>}</dd>
              {s.sandbox && (['landlock', 'seccomp', 'noNewPrivs'] as const).map((layer) => {
                const l = s.sandbox![layer];
                const st = LAYER_STATE[l.state] ?? LAYER_STATE.off!;
                return (
                  <div key={layer} style={{ display: 'contents' }}>
                    <dt>{layer === 'landlock' ? 'Landlock (files)' : layer === 'seccomp' ? 'seccomp (system calls)' : 'No new privileges'}</dt>
                    <dd><Badge good={st.good} warn={st.warn}>{st.text}</Badge> <Detail text={l.detail} /></dd>
                  </div>
                );
              })}
            </dl>
          </section>
          <BackupEntry />
        </div>
      )}
    </section>
  );
}
