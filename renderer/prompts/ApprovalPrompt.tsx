// Approval of a guarded operation: the key, who asks, and what exactly is signed: the message, its hash, or the
// decoded fields of an Ethereum transaction or typed data (never only a hash), with a warning when one applies.
import type { ApprovalPromptApi } from './promptApi.js';
import { PromptFrame } from './PromptFrame.js';
import { usePromptView } from './usePromptView.js';

interface Row { label: string; value: string; note?: string }
interface What { kind: string; text?: string; sha256?: string; bytes?: number; lines?: string[]; sections?: Array<{ title: string; rows: Row[] }> }

export function ApprovalPrompt({ api }: { api: ApprovalPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  const what = (view?.what ?? { kind: '' }) as What;
  return (
    <PromptFrame title={view ? `${String(view.action)}?` : ''} view={view}>
      <dl className="facts">
        {typeof view?.keyLabel === 'string' && (<><dt>Key</dt><dd data-testid="approval-key">{view.keyLabel || 'Unnamed key'} <code>{String(view.algorithm)}</code></dd></>)}
        {typeof view?.keyId === 'string' && (<><dt>Key id</dt><dd><code>{view.keyId}</code></dd></>)}
        <dt>Asked by</dt><dd>{view?.caller === 'ui' ? 'the wallet window' : String(view?.caller)}</dd>
        {what.kind === 'message' && (<><dt>Message</dt><dd><pre data-testid="approval-message">{what.text}</pre></dd></>)}
        {what.kind === 'hash' && (<><dt>Data</dt><dd>{what.bytes} bytes, SHA-256 <code className="wrap" data-testid="approval-hash">{what.sha256}</code></dd></>)}
        {what.kind === 'details' && (what.lines ?? []).length > 0 && (<><dt>Details</dt><dd><pre>{(what.lines ?? []).join('\n')}</pre></dd></>)}
      </dl>
      {what.kind === 'sections' &&
        (what.sections ?? []).map((s, i) => (
          <section key={i} aria-label={s.title}>
            <h3 className="section-title">{s.title}</h3>
            <dl className="facts" data-testid={`approval-section-${i}`}>
              {s.rows.map((r, j) => (
                <div key={j} style={{ display: 'contents' }}>
                  <dt>{r.label}</dt>
                  <dd data-field={r.label}><span className="wrap code">{r.value}</span>{r.note && <div className="hint">{r.note}</div>}</dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      {typeof view?.warning === 'string' && <p className="warning" role="note">{view.warning}</p>}
      <div className="row" style={{ marginTop: 14 }}>
        <button disabled={busy} onClick={() => answer(api.approve())}>Approve</button>
        <button className="secondary" disabled={busy} onClick={() => answer(api.deny())}>Deny</button>
      </div>
    </PromptFrame>
  );
}
