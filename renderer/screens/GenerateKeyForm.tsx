// Generate a key: an algorithm picker grouped by use, where it lives (software or a token), and the policy fields
// with what each means. Slow algorithms (RSA 4096, token keys) show progress; a recovery phrase is made through its
// own trusted flow (its words are shown once in a trusted window).
import { useEffect, useId, useState } from 'react';
import type { KeyInfo } from '../../kms-process/api/common.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { purposeText } from '../format/formatting.js';
import { unwrap, walletApi } from '../walletClient.js';
import { ALGORITHM_GROUPS, findChoice, POLICY_HELP } from './keyCatalog.js';

/** Operations each algorithm family can have (the KMS refuses more; wrap/unwrap stay apart from the rest). */
const OPERATIONS: Record<string, string[]> = {
  ed25519: ['sign', 'verify'],
  secp256k1: ['sign', 'verify', 'agree'],
  p256: ['sign', 'verify', 'agree'],
  p384: ['sign', 'verify', 'agree'],
  p521: ['sign', 'verify', 'agree'],
  x25519: ['agree'],
  rsa: ['sign', 'verify', 'encrypt', 'decrypt'],
  aes: ['encrypt', 'decrypt'],
  chacha20: ['encrypt', 'decrypt'],
  xchacha20: ['encrypt', 'decrypt'],
  hmac: ['mac', 'macVerify'],
  ml: ['sign', 'verify'],
};
export function operationsOf(algorithm: string): string[] {
  if (algorithm === 'ml-kem-768') return ['encapsulate', 'decapsulate'];
  return OPERATIONS[algorithm] ?? OPERATIONS[algorithm.split('-')[0]!] ?? [];
}

export function GenerateKeyForm(props: { providers: string[]; defaultProvider?: string; onCreated: (k: KeyInfo) => void }) {
  const wallet = walletApi();
  const [algorithm, setAlgorithm] = useState('ed25519');
  const [label, setLabel] = useState('');
  const [provider, setProvider] = useState(props.defaultProvider ?? 'software');
  const [purposes, setPurposes] = useState<string[]>(operationsOf('ed25519'));
  const [approval, setApproval] = useState(false);
  const [exportable, setExportable] = useState(false);
  const { busy, error, run } = useAction();
  const uid = useId();
  useEffect(() => setPurposes(operationsOf(algorithm)), [algorithm]);

  const choice = findChoice(algorithm);
  const onToken = provider !== 'software';
  const generate = () =>
    run(choice?.slow || onToken ? `Generating a ${choice?.name ?? algorithm} key${onToken ? ' on the token' : ''}; this can take several seconds…` : 'Generating…', async () => {
      const all = operationsOf(algorithm);
      const key = await unwrap(
        wallet.keys.generate({
          algorithm: algorithm as KeyInfo['algorithm'],
          label: label || `${choice?.name ?? algorithm} key`,
          ...(onToken ? { provider } : {}),
          ...(purposes.length !== all.length ? { purposes: purposes as KeyInfo['purposes'] } : {}),
          ...(approval ? { requiresApproval: true } : {}),
          ...(exportable && !onToken ? { exportable: true } : {}),
        }),
      );
      // The next key starts from the safe defaults again, not from this one's choices.
      setLabel('');
      setApproval(false);
      setExportable(false);
      props.onCreated(key);
    });

  return (
    <form className="form" aria-labelledby={`${uid}-generate-title`} onSubmit={(e) => { e.preventDefault(); void generate(); }}>
      <h3 id={`${uid}-generate-title`}>Generate a key</h3>
      {error && <ErrorBanner error={error} />}
      <label>Label<input value={label} maxLength={100} onChange={(e) => setLabel(e.target.value)} placeholder="e.g. Signing key for invoices" /></label>
      <label>Algorithm
        <select value={algorithm} onChange={(e) => setAlgorithm(e.target.value)} aria-describedby={`${uid}-alg-note`}>
          {ALGORITHM_GROUPS.map((g) => (
            <optgroup key={g.use} label={g.use}>
              {g.choices.map((c) => <option key={`${g.use}-${c.id}`} value={c.id}>{c.name}</option>)}
            </optgroup>
          ))}
        </select>
        <span className="hint" id={`${uid}-alg-note`}>{choice?.note}</span>
      </label>
      {props.providers.length > 1 && (
        <label>Where it lives
          <select value={provider} onChange={(e) => setProvider(e.target.value)} aria-describedby={`${uid}-provider-help`}>
            {props.providers.map((p) => <option key={p} value={p}>{p === 'software' ? 'Software (encrypted keystore)' : p.startsWith('pkcs11:') ? `Token ${p.slice(7)}` : p}</option>)}
          </select>
          <span className="hint" id={`${uid}-provider-help`}>{POLICY_HELP.provider}</span>
        </label>
      )}
      <fieldset aria-describedby={`${uid}-purposes-help`}>
        <legend>Allowed uses</legend>
        <span className="hint" id={`${uid}-purposes-help`}>{POLICY_HELP.purposes}</span>
        <div className="row">
          {operationsOf(algorithm).map((op) => (
            <label key={op} className="check">
              <input type="checkbox" checked={purposes.includes(op)} onChange={(e) => setPurposes((p) => (e.target.checked ? [...p, op] : p.filter((x) => x !== op)))} />
              {purposeText(op)}
            </label>
          ))}
        </div>
      </fieldset>
      <label className="check"><input type="checkbox" checked={approval} onChange={(e) => setApproval(e.target.checked)} aria-describedby={`${uid}-approval-help`} /><span>Ask me before each use<br /><span className="hint" id={`${uid}-approval-help`}>{POLICY_HELP.requiresApproval}</span></span></label>
      {!onToken && (
        <label className="check"><input type="checkbox" checked={exportable} onChange={(e) => setExportable(e.target.checked)} aria-describedby={`${uid}-export-help`} /><span>Exportable<br /><span className="hint" id={`${uid}-export-help`}>{POLICY_HELP.exportable}</span></span></label>
      )}
      {busy && <Progress text={busy} />}
      <div className="row"><button type="submit" disabled={!!busy || purposes.length === 0}>Generate key</button></div>
    </form>
  );
}
