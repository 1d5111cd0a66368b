// The last check on what goes back to the renderer: whatever the KMS answered, a value that carries private key
// material, a mnemonic, a raw shared secret, a PIN or a passphrase is withheld. The KMS should never send one to
// `ui`; this guard makes that a second, independent rule in main.

/** Member names that hold a secret when their value is text (tokens.list's `pin` is an object of PIN status). */
const SECRET_MEMBERS = new Set(['mnemonic', 'sharedSecret', 'passphrase', 'pin', 'seed', 'privateKey', 'secret', 'bip39Passphrase']);
/** Private members of a JWK (RFC 7518 sections 6.2.2, 6.3.2, 6.4; AKP's `priv` for ML-DSA/ML-KEM). */
const PRIVATE_JWK_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'priv']);

/** The path of the first secret found in `value`, or undefined when it is clean. */
export function findSecret(value: unknown): string | undefined {
  const stack: Array<{ v: unknown; path: string; inJwk: boolean }> = [{ v: value, path: '', inJwk: false }];
  while (stack.length > 0) {
    const { v, path, inJwk } = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      v.forEach((item, i) => stack.push({ v: item, path: `${path}[${i}]`, inJwk: false }));
      continue;
    }
    for (const [k, child] of Object.entries(v)) {
      if (SECRET_MEMBERS.has(k) && typeof child === 'string') return `${path}.${k}`;
      if (inJwk && PRIVATE_JWK_MEMBERS.has(k)) return `${path}.${k}`;
      stack.push({ v: child, path: `${path}.${k}`, inJwk: k === 'jwk' });
    }
  }
  return undefined;
}

/** keys.export answers the renderer only in a public form. */
export function exportIsPublic(method: string, result: unknown): boolean {
  if (method !== 'keys.export') return true;
  const r = result as { format?: unknown; wrappedWith?: unknown } | null;
  return r !== null && typeof r === 'object' && (r.format === 'jwk' || r.format === 'spki' || r.format === 'raw') && r.wrappedWith === undefined;
}
