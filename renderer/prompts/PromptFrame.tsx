// The frame of every trusted prompt: says it is OpenWallet's own window, shows main's error for the last answer.
import type { View } from './promptApi.js';

export function PromptFrame(props: { title: string; view: View | undefined; children: React.ReactNode }) {
  if (!props.view) return <div className="prompt-card"><p className="muted">…</p></div>;
  if (props.view.done) return <div className="prompt-card"><p className="muted">Done. This window closes.</p></div>;
  return (
    <div className="prompt-card">
      <p className="trusted">OpenWallet · trusted prompt</p>
      <h1 style={{ fontSize: 17, margin: '0 0 12px' }}>{props.title}</h1>
      {typeof props.view.error === 'string' && <p className="alert" role="alert">{props.view.error}</p>}
      {props.children}
    </div>
  );
}
