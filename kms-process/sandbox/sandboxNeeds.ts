// The store's list of what its enrolled sealers reach over the network or a device (a TPM's TCTI; remote KMS
// endpoints later), kept beside the keystore in `sandbox.json`. The KMS reads it before it restricts itself,
// because it must not read the keystore before then, and the sandbox cannot be widened afterwards.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const NEEDS_FILE = 'sandbox.json';
const MAX_BYTES = 64 * 1024;

export interface SandboxNeeds {
  /** TCTI strings of enrolled TPM sealers. */
  tctis: string[];
  /** `host:port` endpoints the KMS connects to (remote KMS servers). */
  connect: string[];
}

const ENDPOINT = /^[A-Za-z0-9.:[\]-]{1,253}:\d{1,5}$/;
const TCTI = /^[a-z0-9-]{1,32}(:[\x21-\x7e]{0,480})?$/;

/** The recorded needs, or none when the file is missing or not exactly what we write (it only ever widens). */
export function readSandboxNeeds(storeDir: string): SandboxNeeds {
  const none: SandboxNeeds = { tctis: [], connect: [] };
  let text: string;
  try {
    const bytes = readFileSync(join(storeDir, NEEDS_FILE));
    if (bytes.length > MAX_BYTES) return none;
    text = bytes.toString('utf8');
  } catch {
    return none;
  }
  try {
    const v = JSON.parse(text) as { v?: unknown; tctis?: unknown; connect?: unknown };
    const list = (x: unknown, re: RegExp): string[] =>
      Array.isArray(x) && x.length <= 64 && x.every((s) => typeof s === 'string' && re.test(s)) ? (x as string[]) : [];
    if (v.v !== 1) return none;
    return { tctis: list(v.tctis, TCTI), connect: list(v.connect, ENDPOINT) };
  } catch {
    return none;
  }
}

/** Record the needs for the next start (written whole, then renamed: never half a file). */
export function writeSandboxNeeds(storeDir: string, needs: SandboxNeeds): void {
  const file = join(storeDir, NEEDS_FILE);
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify({ v: 1, tctis: [...new Set(needs.tctis)], connect: [...new Set(needs.connect)] }), { mode: 0o600 });
  renameSync(tmp, file);
}

/** Keep the TCTIs of the TPM copies enrolled now (and the endpoints recorded before) for the next start. */
export function recordEnrolledTctis(storeDir: string, copies: ReadonlyArray<{ kind: string; params: Record<string, unknown> }>): void {
  const tctis = copies.filter((c) => c.kind === 'tpm' && typeof c.params.tcti === 'string').map((c) => c.params.tcti as string);
  const before = readSandboxNeeds(storeDir);
  if (tctis.length === before.tctis.length && tctis.every((t, i) => t === before.tctis[i])) return;
  try {
    writeSandboxNeeds(storeDir, { tctis, connect: before.connect });
  } catch (e) {
    // The enrolment itself has succeeded; the next start then reaches the TPM only through $OWKMS_TCTI or --tcti.
    process.stderr.write(`owkms: could not record the TPM's TCTI for the sandbox: ${(e as NodeJS.ErrnoException).code ?? 'error'}\n`);
  }
}

/** Keep the endpoints of the remote KMS servers in the keystore (and the TCTIs recorded before) for the next start. */
export function recordRemoteEndpoints(storeDir: string, endpoints: ReadonlyArray<{ host: string; port: number }>): void {
  const connect = [...new Set(endpoints.map((e) => (e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`)))];
  const before = readSandboxNeeds(storeDir);
  if (connect.length === before.connect.length && connect.every((c, i) => c === before.connect[i])) return;
  try {
    writeSandboxNeeds(storeDir, { tctis: before.tctis, connect });
  } catch (e) {
    // The keystore change has succeeded; the next start then reaches the server only if the parent names it.
    process.stderr.write(`owkms: could not record the remote endpoints for the sandbox: ${(e as NodeJS.ErrnoException).code ?? 'error'}\n`);
  }
}
