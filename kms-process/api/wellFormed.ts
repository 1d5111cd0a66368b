// Every string in the protocol must be well-formed Unicode (DESIGN.md section 1): a lone surrogate ("x\ud800") has
// no UTF-8 form, so SQLite would store U+FFFD where a MAC was computed over something else, and the key would be
// TAMPERED for good. Checked once at the boundary, over the whole message (keys of objects included), for every
// method and every transport, before any schema or handler sees it.

/** Node 20 has String.prototype.isWellFormed (ES2024); the project's lib is ES2023. */
const isWellFormed = (s: string): boolean => (s as unknown as { isWellFormed(): boolean }).isWellFormed();

/** The path of the first ill-formed string in `value` (iterative, like depthWithin), or undefined if none. */
export function illFormedStringPath(value: unknown): string | undefined {
  const stack: Array<[unknown, string]> = [[value, '']];
  while (stack.length > 0) {
    const [node, path] = stack.pop()!;
    if (typeof node === 'string') {
      if (!isWellFormed(node)) return path;
      continue;
    }
    if (node === null || typeof node !== 'object') continue;
    if (Array.isArray(node)) {
      node.forEach((v, i) => stack.push([v, path ? `${path}.${i}` : String(i)]));
      continue;
    }
    for (const [k, v] of Object.entries(node)) {
      const at = path ? `${path}.${k}` : k;
      if (!isWellFormed(k)) return path || '(a member name)';
      stack.push([v, at]);
    }
  }
  return undefined;
}

export function isWellFormedString(s: string): boolean {
  return isWellFormed(s);
}
