// Tokens: PKCS#11 modules and their tokens (slot, label, serial, model), the PIN state (logged in, tries left, the
// KMS's own count and wait for tokens that do not count), log in through the trusted PIN window, log out, the keys
// on each token, and generate a key on it.
import { useCallback, useEffect, useState } from 'react';
import type { Result } from '../../kms-process/api/methods.js';
import { ErrorBanner, Progress } from '../components/Feedback.js';
import { useAction } from '../components/useAction.js';
import { formatWait, purposeText } from '../format/formatting.js';
import { useKeys } from '../useKeys.js';
import { unwrap, walletApi } from '../walletClient.js';
import { GenerateKeyForm } from './GenerateKeyForm.js';

type Token = Result<'tokens.list'>['tokens'][number];

export function pinText(pin: Token['pin']): string {
  if (pin.locked) return 'PIN blocked: unblock it with the token’s PUK or vendor tool.';
  const parts = [pin.loggedIn ? 'Logged in.' : 'Not logged in.'];
  if (pin.attemptsLeft !== undefined) parts.push(`${pin.attemptsLeft} PIN ${pin.attemptsLeft === 1 ? 'try' : 'tries'} left.`);
  else if (pin.finalTry) parts.push('One PIN try left.');
  else if (pin.countLow) parts.push('A wrong PIN was entered recently.');
  if (pin.kmsFailures) parts.push(`${pin.kmsFailures} wrong PIN${pin.kmsFailures === 1 ? '' : 's'} counted by OpenWallet.`);
  if (pin.retryAfterMs) parts.push(`Next try in ${formatWait(pin.retryAfterMs)}.`);
  return parts.join(' ');
}

export function TokensScreen() {
  const wallet = walletApi();
  const [list, setList] = useState<Result<'tokens.list'> | undefined>(undefined);
  const { keys, reload } = useKeys();
  const { busy, error, run } = useAction();
  const load = useCallback(() => run('Asking the token modules…', async () => setList(await unwrap(wallet.tokens.list({})))), [wallet, run]);
  useEffect(() => {
    void load();
  }, [load]);

  const login = (t: Token) => run(`Waiting for the PIN of ${t.label} in the trusted window…`, async () => { await unwrap(wallet.tokens.login({ token: t.serial })); await load(); });
  const logout = (t: Token) => run('Logging out…', async () => { await unwrap(wallet.tokens.logout({ token: t.serial })); await load(); });

  return (
    <section aria-labelledby="tokens-title">
      <div className="screen-head">
        <h2 id="tokens-title">Tokens</h2>
        <button className="secondary" onClick={() => void load()} disabled={!!busy}>Refresh</button>
      </div>
      {error && <ErrorBanner error={error} />}
      {busy && <Progress text={busy} />}
      {list && list.tokens.length === 0 && (
        <div className="card">
          <p>No token found. Is the token plugged in? OpenWallet looks in these modules:</p>
          <ul>{list.modules.map((m) => <li key={m.path}><code>{m.path}</code> ({m.profile}){m.error ? `: ${m.error}` : m.loaded ? '' : ': not loaded'}</li>)}</ul>
        </div>
      )}
      <div className="stack">
        {list?.tokens.map((t) => {
          const onToken = (keys ?? []).filter((k) => k.provider === `pkcs11:${t.serial}`);
          return (
            <section key={t.serial} className="card" aria-labelledby={`token-${t.serial}`}>
              <div className="screen-head">
                <h3 id={`token-${t.serial}`} style={{ margin: 0, flex: 1 }}>{t.label}</h3>
                {t.pin.loggedIn ? (
                  <button className="secondary" onClick={() => void logout(t)} disabled={!!busy} aria-label={`Log out of ${t.label}`}>Log out</button>
                ) : (
                  <button onClick={() => void login(t)} disabled={!!busy || t.pin.locked} aria-label={`Log in to ${t.label}`}>Log in</button>
                )}
              </div>
              <dl className="facts">
                <dt>Model</dt><dd>{t.manufacturer} {t.model}</dd>
                <dt>Serial</dt><dd><code>{t.serial}</code> (slot {t.slot})</dd>
                <dt>Module</dt><dd><code className="wrap">{t.module}</code> ({t.profile})</dd>
                <dt>PIN</dt><dd data-testid={`pin-${t.serial}`}>{pinText(t.pin)}</dd>
              </dl>
              <h3>Keys on this token</h3>
              {onToken.length === 0 ? <p className="muted">None yet.</p> : (
                <table aria-label={`Keys on ${t.label}`}>
                  <thead><tr><th scope="col">Label</th><th scope="col">Algorithm</th><th scope="col">Uses</th></tr></thead>
                  <tbody>{onToken.map((k) => <tr key={k.id}><td>{k.label}</td><td><code>{k.algorithm}</code></td><td>{k.purposes.map(purposeText).join(', ')}</td></tr>)}</tbody>
                </table>
              )}
              {t.pin.loggedIn ? (
                <GenerateKeyForm providers={[`pkcs11:${t.serial}`]} defaultProvider={`pkcs11:${t.serial}`} onCreated={() => void reload()} />
              ) : (
                <p className="hint">Log in to generate a key on this token. A token key never leaves the token.</p>
              )}
            </section>
          );
        })}
      </div>
    </section>
  );
}
