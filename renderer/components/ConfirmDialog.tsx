// A modal confirmation (delete a key): focus moves into it, Escape cancels, and it names what will happen.
import { useEffect, useRef } from 'react';

export function ConfirmDialog(props: { title: string; children: React.ReactNode; confirm: string; onConfirm: () => void; onCancel: () => void }) {
  const cancelRef = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    cancelRef.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') props.onCancel();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [props]);
  return (
    <div className="backdrop">
      <div className="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" aria-describedby="confirm-body">
        <h2 id="confirm-title">{props.title}</h2>
        <div id="confirm-body">{props.children}</div>
        <div className="row" style={{ marginTop: 14 }}>
          <button type="button" className="danger" onClick={props.onConfirm}>{props.confirm}</button>
          <button type="button" className="secondary" ref={cancelRef} onClick={props.onCancel}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
