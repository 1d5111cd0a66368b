// owkms doctor's diagnosis of the rows read from a (possibly damaged) keystore file: unseal the master key from the
// sealed copies that can still be read, then authenticate every row on its own (row MACs, AEAD of each secret), not
// through the key-set tree, so one damaged row costs that row only. What verifies can be salvaged (salvage.ts).
import { createDecipheriv, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import { KmsError, type Result, type SealerKind } from '../api/index.js';
import { KMS_VERSION } from '../api/version.js';
import { AuditLog } from '../audit/auditLog.js';
import type { BackupContents, KeyEntry, KeyMeta } from '../backup/backupContents.js';
import { DerivedKeys, masterCheck } from '../keystore/derivedKeys.js';
import { rowBytes as keyRowBytes, secretAad, type Row as KeyRow } from '../keystore/keyTable.js';
import { KeySet, ROOT_META_KEY } from '../keystore/keySet.js';
import { sealerMac } from '../keystore/sealerRows.js';
import { aad as versionAad, rowBytes as versionRowBytes } from '../keystore/keyVersions.js';
import type { UnlockPolicy } from '../keystore/masterKeyShares.js';
import { MAC_KEY, metaBytes, MetaTable } from '../keystore/metaTable.js';
import { keyAad as remoteKeyAad, rowBytes as remoteRowBytes, type RemoteRecord } from '../keystore/remoteTable.js';
import { SCHEMA_SQL } from '../keystore/schema.js';
import type { KmsContext } from '../kmsContext.js';
import type { SealedCopy } from '../sealing/sealer.js';
import { chooseCopies, needsOfCopies, unsealCopies } from '../services/masterKeyRecovery.js';
import type { RawKeystore, RawRow } from './damagedFile.js';

export type DoctorReport = Result<'kms.doctor'>;
type Tally = NonNullable<DoctorReport['keys']>;

export interface Salvage {
  keystoreId: string;
  mk: Buffer;
  policy: UnlockPolicy;
  copies: SealedCopy[];
  contents: BackupContents;
  rollbackCounter: bigint;
}

const KINDS: readonly string[] = ['passphrase', 'tpm', 'keychain', 'pkcs11'];
const isBuf = (v: unknown): v is Buffer => Buffer.isBuffer(v);
const isStr = (v: unknown): v is string => typeof v === 'string';
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const same = (a: Buffer, b: Buffer) => a.length === b.length && timingSafeEqual(a, b);
const why = (e: unknown) => (e instanceof KmsError ? `${e.kind}: ${e.message}` : e instanceof Error ? e.message : String(e)).slice(0, 200);

function decrypt(dk: DerivedKeys, iv: Buffer, ct: Buffer, aad: Buffer): Buffer {
  if (ct.length < 16) throw new Error('truncated');
  const d = createDecipheriv('aes-256-gcm', dk.get('key-encryption'), iv);
  d.setAAD(aad);
  d.setAuthTag(ct.subarray(ct.length - 16));
  const out = d.update(ct.subarray(0, ct.length - 16));
  try {
    d.final();
  } catch (e) {
    out.fill(0);
    throw e;
  }
  return out;
}

function parseJson<T>(text: unknown): T | null {
  return isStr(text) ? (JSON.parse(text) as T) : null;
}

/** The copies whose rows can be read as copies (whether they are authentic is checked after unsealing). */
function readCopies(rows: RawRow[]): { copies: Array<SealedCopy & { mac: unknown }>; damaged: Tally['damaged'] } {
  const copies: Array<SealedCopy & { mac: unknown }> = [];
  const damaged: Tally['damaged'] = [];
  for (const r of rows) {
    try {
      if (!isStr(r.kind) || !KINDS.includes(r.kind) || !isBuf(r.blob)) throw new Error('unreadable fields');
      copies.push({ kind: r.kind as SealerKind, params: JSON.parse(String(r.params)) as Record<string, unknown>, blob: r.blob, mac: r.mac });
    } catch (e) {
      damaged.push({ id: isStr(r.kind) ? r.kind : `row ${String(r._rowid)}`, why: why(e) });
    }
  }
  return { copies, damaged };
}

async function unseal(ctx: KmsContext, raw: RawKeystore, meta: Map<string, string>, secrets: { passphrase?: string | undefined; pin?: string | undefined }) {
  const keystoreId = meta.get('keystore_id');
  const policy: UnlockPolicy = meta.get('unlock_policy') === 'all' ? 'all' : 'any';
  const { copies } = readCopies(raw.sealers);
  if (!keystoreId) return { state: 'impossible' as const, detail: 'the keystore id cannot be read' };
  if (copies.length === 0) return { state: 'impossible' as const, detail: 'no sealed copy of the master key can be read' };
  const needs = needsOfCopies(ctx, copies, policy);
  let chosen: SealedCopy[];
  try {
    chosen = chooseCopies(ctx, copies, policy, secrets);
  } catch {
    return { state: 'needs' as const, needs };
  }
  let got: { mk: Buffer; by: SealerKind[] };
  try {
    got = await unsealCopies(ctx, chosen, policy, secrets, { keystoreId, storeDir: ctx.options.storeDir });
  } catch (e) {
    return { state: 'failed' as const, needs, detail: why(e) };
  }
  const check = meta.get('master_check');
  if (check !== undefined && !same(masterCheck(got.mk, keystoreId), Buffer.from(check, 'base64url'))) {
    got.mk.fill(0);
    return { state: 'failed' as const, needs, detail: 'the unsealed master key does not match this keystore' };
  }
  return { state: 'unsealed' as const, by: got.by, mk: got.mk, keystoreId, policy, copies, used: new Set(got.by) };
}

function checkKeys(raw: RawKeystore, dk: DerivedKeys, ctx: KmsContext): { tally: Tally; entries: Map<string, KeyEntry>; verifiedRows: KeyRow[] } {
  const tally: Tally = { rows: raw.keys.length, verified: 0, damaged: [] };
  const entries = new Map<string, KeyEntry>();
  const verifiedRows: KeyRow[] = [];
  for (const r of raw.keys) {
    const id = isStr(r.id) ? r.id.slice(0, 64) : `row ${String(r._rowid)}`;
    try {
      const ok = isStr(r.id) && isStr(r.label) && isStr(r.algorithm) && isStr(r.provider) && isStr(r.policy) && isInt(r.created_at) && isInt(r.version) && isBuf(r.mac);
      if (!ok) throw new Error('fields of the wrong type');
      const row = r as unknown as KeyRow;
      if (!same(dk.hmac('row-mac', keyRowBytes(row)), row.mac)) throw new Error('its row MAC does not match');
      const secret = row.secret_ct && row.secret_iv ? decrypt(dk, row.secret_iv, row.secret_ct, secretAad(row)) : undefined;
      if (!ctx.registry.has(row.algorithm as never)) throw new Error(`unknown algorithm ${row.algorithm.slice(0, 32)}`);
      const meta: KeyMeta = {
        id: row.id,
        label: row.label,
        algorithm: row.algorithm as KeyMeta['algorithm'],
        provider: row.provider,
        policy: parseJson<KeyMeta['policy']>(row.policy)!,
        publicRaw: row.public_raw ? row.public_raw.toString('base64url') : null,
        ref: parseJson(row.ref),
        derivation: parseJson(row.derivation),
        createdAt: row.created_at,
        version: row.version,
        secret: secret !== undefined,
        versions: [],
      };
      entries.set(row.id, { meta, ...(secret ? { secret } : {}), versions: [] });
      verifiedRows.push(row);
      tally.verified++;
    } catch (e) {
      tally.damaged.push({ id, why: why(e) });
    }
  }
  return { tally, entries, verifiedRows };
}

function checkVersions(raw: RawKeystore, dk: DerivedKeys, entries: Map<string, KeyEntry>): { tally: Tally; verifiedRows: RawRow[] } {
  const tally: Tally = { rows: raw.versions.length, verified: 0, damaged: [] };
  const verifiedRows: RawRow[] = [];
  const found: Array<{ keyId: string; version: number; createdAt: number; secret: Buffer }> = [];
  for (const r of raw.versions) {
    const id = `${isStr(r.key_id) ? r.key_id.slice(0, 64) : `row ${String(r._rowid)}`} v${String(r.version)}`;
    try {
      if (!isStr(r.key_id) || !isInt(r.version) || !isBuf(r.secret_iv) || !isBuf(r.secret_ct) || !isInt(r.created_at) || !isBuf(r.mac)) throw new Error('fields of the wrong type');
      const row = { key_id: r.key_id, version: r.version, secret_iv: r.secret_iv, secret_ct: r.secret_ct, created_at: r.created_at };
      if (!same(dk.hmac('row-mac', versionRowBytes(row)), r.mac)) throw new Error('its row MAC does not match');
      const key = entries.get(r.key_id);
      if (!key) throw new Error('its key did not verify');
      if (r.version >= key.meta.version) throw new Error('newer than its key');
      found.push({ keyId: r.key_id, version: r.version, createdAt: r.created_at, secret: decrypt(dk, r.secret_iv, r.secret_ct, versionAad(r.key_id, key.meta.algorithm, r.version)) });
      verifiedRows.push(r);
      tally.verified++;
    } catch (e) {
      tally.damaged.push({ id, why: why(e) });
    }
  }
  for (const v of found.sort((a, b) => a.version - b.version)) {
    const key = entries.get(v.keyId)!;
    key.meta.versions.push({ version: v.version, createdAt: v.createdAt });
    key.versions.push(v.secret);
  }
  return { tally, verifiedRows };
}

function checkRemotes(raw: RawKeystore, dk: DerivedKeys): { tally: Tally; remotes: BackupContents['remotes'] } {
  const tally: Tally = { rows: raw.remotes.length, verified: 0, damaged: [] };
  const remotes: BackupContents['remotes'] = [];
  for (const r of raw.remotes) {
    try {
      const ok = [r.name, r.host, r.ca, r.cert, r.options].every(isStr) && isInt(r.port) && isInt(r.created_at) && isBuf(r.key_iv) && isBuf(r.key_ct) && isBuf(r.mac);
      if (!ok) throw new Error('fields of the wrong type');
      const row = r as unknown as Parameters<typeof remoteRowBytes>[0] & { mac: Buffer };
      if (!same(dk.hmac('row-mac', remoteRowBytes(row)), row.mac)) throw new Error('its row MAC does not match');
      const key = decrypt(dk, row.key_iv, row.key_ct, remoteKeyAad(row));
      const record: RemoteRecord = { name: row.name, host: row.host, port: row.port, ca: row.ca, cert: row.cert, options: JSON.parse(row.options) as RemoteRecord['options'], createdAt: row.created_at };
      remotes.push({ record, key });
      tally.verified++;
    } catch (e) {
      tally.damaged.push({ id: isStr(r.name) ? r.name.slice(0, 64) : `row ${String(r._rowid)}`, why: why(e) });
    }
  }
  return { tally, remotes };
}

/** The key-set root the verified rows give, computed the way the keystore does, against the recorded one. */
function keySetVerdict(dk: DerivedKeys, keys: KeyRow[], versions: RawRow[], recorded: string | undefined): 'matches' | 'differs' {
  const mem = new Database(':memory:');
  try {
    mem.exec(SCHEMA_SQL);
    const k = mem.prepare("INSERT INTO keys (id, label, algorithm, provider, policy, created_at, mac) VALUES (?, '', '', '', '', 0, ?)");
    for (const r of keys) k.run(r.id, r.mac);
    const v = mem.prepare("INSERT INTO key_versions (key_id, version, secret_iv, secret_ct, created_at, mac) VALUES (?, ?, x'', x'', 0, ?)");
    for (const r of versions) v.run(r.key_id, r.version, r.mac);
    const meta = new MetaTable(mem);
    new KeySet(mem, () => dk, meta).rebuild();
    return meta.get(ROOT_META_KEY) === recorded ? 'matches' : 'differs';
  } finally {
    mem.close();
  }
}

export async function diagnose(
  ctx: KmsContext,
  raw: RawKeystore,
  opened: string,
  secrets: { passphrase?: string | undefined; pin?: string | undefined },
): Promise<{ report: DoctorReport; salvage?: Salvage }> {
  const meta = new Map<string, string>();
  for (const r of raw.meta) if (isStr(r.k) && isStr(r.v)) meta.set(r.k, r.v);
  const report: DoctorReport = {
    healthy: 'unknown',
    file: { ...raw.findings, opened },
    unseal: { state: 'impossible' },
    metadata: 'unknown',
    keySet: 'unknown',
    audit: 'unknown',
    salvageable: { keys: 0, versions: 0, remotes: 0 },
    advice: [],
  };
  const u = await unseal(ctx, raw, meta, secrets);
  if (u.state !== 'unsealed') {
    report.unseal = u;
    return { report };
  }
  report.unseal = { state: 'unsealed', by: u.by };
  const dk = new DerivedKeys(u.mk, u.keystoreId);
  try {
    const metaRows = raw.meta.filter((r) => isStr(r.k) && isStr(r.v) && r.k !== MAC_KEY) as Array<{ k: string; v: string }>;
    const metaOk = same(dk.hmac('row-mac', metaBytes(metaRows.sort((a, b) => (a.k < b.k ? -1 : 1)))), Buffer.from(meta.get(MAC_KEY) ?? '', 'base64url'));
    report.metadata = metaOk ? 'verified' : 'damaged';
    const sealers: Tally = { rows: raw.sealers.length, verified: 0, damaged: readCopies(raw.sealers).damaged };
    const copies = u.copies.filter((c) => {
      const ok = isBuf(c.mac) && same(sealerMac(dk, c), c.mac);
      if (ok) sealers.verified++;
      else sealers.damaged.push({ id: c.kind, why: u.used.has(c.kind) ? 'its row MAC does not match (the copy itself opened)' : 'its row MAC does not match' });
      return ok || u.used.has(c.kind);
    });
    const keys = checkKeys(raw, dk, ctx);
    const versions = checkVersions(raw, dk, keys.entries);
    const remotes = checkRemotes(raw, dk);
    Object.assign(report, { sealers, keys: keys.tally, versions: versions.tally, remotes: remotes.tally });
    if (metaOk) report.keySet = keySetVerdict(dk, keys.verifiedRows, versions.verifiedRows, meta.get(ROOT_META_KEY));
    if (metaOk && raw.db) {
      try {
        const head = JSON.parse(meta.get('audit_head') ?? 'null') as { seq: number; mac: string } | null;
        const v = new AuditLog(raw.db).verify(dk, head ?? { seq: 0, mac: Buffer.alloc(32).toString('base64url') });
        report.audit = v.ok ? 'verified' : `damaged from entry ${v.firstBadSeq}: ${v.reason}`;
      } catch (e) {
        report.audit = `unreadable: ${why(e)}`;
      }
    }
    const contents: BackupContents = {
      source: { v: 1, backupId: 'salvage', keystoreId: u.keystoreId, generation: Number(meta.get('generation') ?? 0), auditHead: null, backedUpAt: new Date().toISOString(), kmsVersion: KMS_VERSION },
      keys: [...keys.entries.values()],
      remotes: remotes.remotes,
      settings: metaOk && meta.has('pkcs11_pin') ? [{ name: 'pkcs11_pin', value: meta.get('pkcs11_pin')! }] : [],
    };
    report.salvageable = { keys: contents.keys.length, versions: versions.tally.verified, remotes: contents.remotes.length };
    const damaged = [sealers, keys.tally, versions.tally, remotes.tally].some((t) => t.damaged.length > 0);
    const fileOk = raw.findings.header === 'ok' && raw.findings.integrity.join() === 'ok' && raw.findings.unreadable.length === 0 && opened === 'ok';
    report.healthy = fileOk && !damaged && metaOk && report.keySet === 'matches' && report.audit === 'verified' ? 'yes' : 'no';
    const rollback = metaOk ? BigInt(/^\d{1,30}$/.test(meta.get('rollback_counter') ?? '') ? meta.get('rollback_counter')! : '0') : 0n;
    return { report, salvage: { keystoreId: u.keystoreId, mk: Buffer.from(u.mk), policy: u.policy, copies, contents, rollbackCounter: rollback } };
  } finally {
    dk.zeroize();
    u.mk.fill(0);
  }
}
