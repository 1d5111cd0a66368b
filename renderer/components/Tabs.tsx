// Tabs with the ARIA tabs pattern: arrow keys move between tabs, each tab names its panel.
import { useRef } from 'react';

export function Tabs<T extends string>(props: { label: string; tabs: ReadonlyArray<{ id: T; title: string }>; current: T; onChange: (id: T) => void }) {
  const refs = useRef<Array<HTMLButtonElement | null>>([]);
  const onKey = (e: React.KeyboardEvent, i: number) => {
    const n = props.tabs.length;
    const j = e.key === 'ArrowRight' ? (i + 1) % n : e.key === 'ArrowLeft' ? (i - 1 + n) % n : -1;
    if (j < 0) return;
    e.preventDefault();
    props.onChange(props.tabs[j]!.id);
    refs.current[j]?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={props.label}>
      {props.tabs.map((t, i) => (
        <button
          key={t.id}
          ref={(el) => {
            refs.current[i] = el;
          }}
          role="tab"
          id={`tab-${t.id}`}
          aria-selected={t.id === props.current}
          aria-controls={`panel-${t.id}`}
          tabIndex={t.id === props.current ? 0 : -1}
          onClick={() => props.onChange(t.id)}
          onKeyDown={(e) => onKey(e, i)}
        >
          {t.title}
        </button>
      ))}
    </div>
  );
}

export function TabPanel({ id, children }: { id: string; children: React.ReactNode }) {
  return (
    <div role="tabpanel" id={`panel-${id}`} aria-labelledby={`tab-${id}`}>
      {children}
    </div>
  );
}
