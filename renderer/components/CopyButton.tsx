// Copy a public value (an address, a public key, a signature) with a visible, announced confirmation. The renderer
// has no secret to copy; trusted prompts offer no copy at all.
import { useEffect, useState } from 'react';

export function CopyButton({ value, what }: { value: string; what: string }) {
  const [state, setState] = useState<'' | 'copied' | 'failed'>('');
  useEffect(() => {
    if (!state) return;
    const t = setTimeout(() => setState(''), 2500);
    return () => clearTimeout(t);
  }, [state]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="row" style={{ gap: 6, flexWrap: 'nowrap' }}>
      <button type="button" className="secondary" onClick={() => void copy()} aria-label={`Copy ${what}`}>
        Copy
      </button>
      <span aria-live="polite" className={state === 'copied' ? 'copied' : 'muted'}>
        {state === 'copied' ? 'Copied' : state === 'failed' ? 'Copy failed: select the text and press Ctrl+C' : ''}
      </span>
    </span>
  );
}

/** A value with its copy button, in a line that wraps long text. */
export function CopyValue({ value, what, testId }: { value: string; what: string; testId?: string }) {
  return (
    <div className="value-line">
      <code className="wrap" data-testid={testId}>{value}</code>
      <CopyButton value={value} what={what} />
    </div>
  );
}
