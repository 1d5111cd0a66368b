// Approval of a guarded operation: the key, who asks, and what exactly is signed (the message, or its hash).
import type { ApprovalPromptApi } from './promptApi.js';
import { usePromptView } from './usePromptView.js';

interface What { kind: string; text?: string; sha256?: string; bytes?: number; lines?: string[] }

export function ApprovalPrompt({ api }: { api: ApprovalPromptApi }) {
  const { view, busy, answer } = usePromptView(api.view);
  if (!view) return <div className="prompt-card"><p className="muted">…</p></div>;
  if (view.done) return <div className="prompt-card"><p className="muted">Done. This window closes.</p></div>;
  const what = view.what as What;
  return (
    <div className="prompt-card">
      <p className="trusted">OpenWallet · trusted prompt</p>
      <h2>{String(view.action)}?</h2>
      <dl className="facts">
        <dt>Key</dt><dd data-testid="approval-key">{String(view.keyLabel)} <code>{String(view.algorithm)}</code></dd>
        <dt>Key id</dt><dd><code>{String(view.keyId)}</code></dd>
        <dt>Asked by</dt><dd>{view.caller === 'ui' ? 'the wallet window' : String(view.caller)}</dd>
        {what.kind === 'message' && (<><dt>Message</dt><dd><pre data-testid="approval-message">{what.text}</pre></dd></>)}
        {what.kind === 'hash' && (<><dt>Data</dt><dd>{what.bytes} bytes, SHA-256 <code data-testid="approval-hash">{what.sha256}</code></dd></>)}
        {what.kind === 'details' && (<><dt>Details</dt><dd><pre>{(what.lines ?? []).join('\n')}</pre></dd></>)}
      </dl>
      <div className="row">
        <button disabled={busy} onClick={() => answer(api.approve())}>Approve</button>
        <button className="secondary" disabled={busy} onClick={() => answer(api.deny())}>Deny</button>
      </div>
    </div>
  );
}
