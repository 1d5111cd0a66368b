// The audit log: every operation (who, what, which key, outcome, when; never data or secrets), newest first, with
// filters, paging, and a button that checks the HMAC chain (a removed, edited or reordered entry is found).
import { useCallback, useEffect, useState } from 'react';
import type { AuditEntry } from '../../kms-process/api/auditMethods.js';
import type { Result } from '../../kms-process/api/methods.js';
import { ErrorBanner, Progress, Success } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatDate, shorten } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';

const CALLERS: Record<string, string> = { ui: 'wallet window', app: 'trusted window', cli: 'command line', rest: 'WebKMS client', pkcs11: 'PKCS#11 module', test: 'test' };

export interface AuditFilter {
  text: string;
  outcome: 'all' | 'ok' | 'failed';
  caller: string;
}

export function matches(e: AuditEntry, f: AuditFilter): boolean {
  if (f.outcome === 'ok' && e.outcome !== 'ok') return false;
  if (f.outcome === 'failed' && e.outcome === 'ok') return false;
  if (f.caller && e.caller !== f.caller) return false;
  const t = f.text.trim().toLowerCase();
  return !t || e.method.toLowerCase().includes(t) || (e.keyId ?? '').toLowerCase().includes(t);
}

export function AuditScreen() {
  const wallet = walletApi();
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursor, setCursor] = useState<string | undefined>(undefined);
  const [filter, setFilter] = useState<AuditFilter>({ text: '', outcome: 'all', caller: '' });
  const [check, setCheck] = useState<Result<'audit.verify'> | undefined>(undefined);
  const { busy, error, run } = useAction();

  const load = useCallback(
    (more?: string) =>
      run('Reading the audit log…', async () => {
        const r = await unwrap(wallet.audit.list({ limit: 200, ...(more ? { cursor: more } : {}) }));
        setEntries((old) => (more ? [...old, ...r.entries] : r.entries));
        setCursor(r.nextCursor);
      }),
    [wallet, run],
  );
  useEffect(() => {
    void load();
  }, [load]);
  const verify = () => run('Checking the chain of entries…', async () => setCheck(await unwrap(wallet.audit.verify({}))));
  const shown = [...entries].sort((a, b) => b.seq - a.seq).filter((e) => matches(e, filter));

  return (
    <section aria-labelledby="audit-title">
      <div className="screen-head">
        <h2 id="audit-title">Audit log</h2>
        <button onClick={() => void verify()} disabled={!!busy}>Verify the log</button>
      </div>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {check && (check.ok ? (
        <Success>The log is intact: {check.entries} entries verified{check.unsealed > 0 ? `; ${check.unsealed} written while locked cannot be vouched for (entries ${check.unauthenticatedSeqs.slice(0, 8).join(', ')}${check.unauthenticatedSeqs.length > 8 ? '…' : ''})` : ''}.</Success>
      ) : (
        <div className="alert" role="alert"><strong>The log was changed outside OpenWallet.</strong> First bad entry: {check.firstBadSeq ?? '?'}. {check.reason}</div>
      ))}
      <div className="card">
        <div className="row" role="search" aria-label="Filter the log">
          <label>Method or key id<input value={filter.text} onChange={(e) => setFilter({ ...filter, text: e.target.value })} placeholder="e.g. crypto.sign" /></label>
          <label>Outcome<select value={filter.outcome} onChange={(e) => setFilter({ ...filter, outcome: e.target.value as AuditFilter['outcome'] })}><option value="all">all</option><option value="ok">succeeded</option><option value="failed">failed or refused</option></select></label>
          <label>Who<select value={filter.caller} onChange={(e) => setFilter({ ...filter, caller: e.target.value })}><option value="">everyone</option>{Object.entries(CALLERS).filter(([c]) => c !== 'test').map(([c, name]) => <option key={c} value={c}>{name}</option>)}</select></label>
        </div>
        <p className="hint" aria-live="polite">{shown.length} of {entries.length} entries shown.</p>
        <table aria-label="Audit entries">
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">Operation</th><th scope="col">Key</th><th scope="col">Outcome</th></tr></thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.seq}>
                <td>{e.seq}</td>
                <td>{formatDate(e.at)}</td>
                <td>{CALLERS[e.caller] ?? e.caller}</td>
                <td><code>{e.method}</code>{e.count && e.count > 1 ? <span className="hint"> ×{e.count}</span> : ''}</td>
                <td>{e.keyId ? <code title={e.keyId}>{shorten(e.keyId, 8, 4)}</code> : ''}</td>
                <td>{e.outcome === 'ok' ? <span className="badge ok">ok</span> : <span className="badge bad">{e.outcome}</span>}{e.authenticated === false && <span className="hint"> (unsealed)</span>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {cursor && <div className="row" style={{ marginTop: 10 }}><button className="secondary" onClick={() => void load(cursor)} disabled={!!busy}>Load older entries</button></div>}
      </div>
    </section>
  );
}
