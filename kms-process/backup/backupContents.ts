// What a backup holds, and how it is read out of a keystore and written into a new one. Sealer-independent: no
// sealed copy of the master key goes in (the restored keystore gets a new master key and its own sealers). In:
// every key record (software keys with their secret and earlier versions, HD seeds and children, token and KMIP key
// references), the KMIP servers with their client keys, the PKCS#11 module's PIN record, and where it came from
// (keystore id, generation, audit head). Not in: the audit log (its chain is keyed by the old master key; the
// restored keystore starts its own, whose first entry is the restore, and its metadata names the old head).
import { z } from 'zod';
import { algorithmId, caller, keyId, operation, providerId } from '../api/common.js';
import { KmsError } from '../api/errors.js';
import { KMS_VERSION } from '../api/version.js';
import type { AlgorithmRegistry } from '../algorithms/registry.js';
import type { KeyPolicy, KeyRecord } from '../keystore/keyTable.js';
import type { Keystore } from '../keystore/keystore.js';
import { KeySet } from '../keystore/keySet.js';
import type { RemoteRecord } from '../keystore/remoteTable.js';
import { decodeBody, encodeBody, SECTION, type Section } from './backupBody.js';

const b64 = z.string().regex(/^[A-Za-z0-9_-]*$/);
const time = z.number().int().min(0);

const sourceMeta = z.strictObject({
  v: z.literal(1),
  backupId: z.string(),
  keystoreId: z.string(),
  generation: z.number().int(),
  keystoreCreatedAt: z.string().optional(),
  auditHead: z.strictObject({ seq: z.number().int(), mac: b64 }).nullable(),
  backedUpAt: z.string(),
  kmsVersion: z.string(),
});

const keyMeta = z.strictObject({
  id: keyId,
  label: z.string().max(256),
  algorithm: algorithmId,
  provider: providerId,
  // Stored policies may carry fields later versions add; they are kept as they were.
  policy: z.looseObject({
    purposes: z.array(operation),
    exportable: z.boolean(),
    requiresApproval: z.boolean(),
    callers: z.array(caller).optional(),
    allowRawAgreement: z.boolean().optional(),
  }),
  publicRaw: b64.nullable(),
  ref: z.record(z.string(), z.string()).nullable(),
  derivation: z.strictObject({ parentId: z.string(), path: z.string() }).nullable(),
  createdAt: time,
  version: z.number().int().min(1),
  secret: z.boolean(),
  versions: z.array(z.strictObject({ version: z.number().int().min(1), createdAt: time })),
});

const remoteMeta = z.strictObject({
  name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
  host: z.string(),
  port: z.number().int().min(1).max(65535),
  ca: z.string(),
  cert: z.string(),
  options: z.strictObject({ maxVersion: z.string().optional(), timeoutMs: z.number().int().optional() }),
  createdAt: time,
});

const settingMeta = z.strictObject({ name: z.enum(['pkcs11_pin']), value: z.string() });

export type BackupSource = z.infer<typeof sourceMeta>;
export type KeyMeta = z.infer<typeof keyMeta>;

export interface KeyEntry {
  meta: KeyMeta;
  secret?: Uint8Array;
  versions: Uint8Array[];
}

export interface BackupContents {
  source: BackupSource;
  keys: KeyEntry[];
  remotes: Array<{ record: RemoteRecord; key: Uint8Array }>;
  settings: Array<z.infer<typeof settingMeta>>;
}

/** Settings from the metadata that a backup carries (values the user set, not the keystore's own bookkeeping). */
const SETTING_KEYS = ['pkcs11_pin'] as const;

/**
 * Read everything a backup holds out of an unlocked keystore into one body buffer (the caller zeroizes it). The whole
 * key set is checked first: a backup is never made of a keystore whose set of keys was tampered with.
 */
export function collectBody(ks: Keystore, backupId: string): { body: Buffer; counts: { keys: number; versions: number; remotes: number } } {
  for (const prefix of KeySet.prefixes()) ks.checkKeySetPrefix(prefix);
  const head = ks.authenticatedMeta('audit_head');
  const source: BackupSource = {
    v: 1,
    backupId,
    keystoreId: ks.keystoreId!,
    generation: ks.generation,
    ...(ks.meta.get('created_at') ? { keystoreCreatedAt: ks.meta.get('created_at')! } : {}),
    auditHead: head ? (JSON.parse(head) as { seq: number; mac: string }) : null,
    backedUpAt: new Date().toISOString(),
    kmsVersion: KMS_VERSION,
  };
  const sections: Section[] = [{ kind: SECTION.source, meta: source, blobs: [] }];
  const secrets: Buffer[] = [];
  let versions = 0;
  try {
    for (let after = 0, more = true; more; ) {
      const page = ks.keys.page(after, 500);
      for (const rec of page.records) {
        const entries = rec.hasSecret ? ks.keys.versions.entries(rec.id) : [];
        const blobs: Buffer[] = [];
        if (rec.hasSecret) blobs.push(ks.keys.secret(rec.id));
        for (const v of entries) blobs.push(ks.keys.secretOfVersion(rec.id, v.version));
        secrets.push(...blobs);
        versions += entries.length;
        sections.push({ kind: SECTION.key, meta: keyMetaOf(rec, entries), blobs });
      }
      more = page.last !== undefined;
      after = page.last ?? 0;
    }
    const remotes = ks.remotes.list();
    for (const r of remotes) {
      const key = ks.remotes.clientKey(r.name);
      secrets.push(key);
      sections.push({ kind: SECTION.remote, meta: { ...r, options: definedOptions(r.options) }, blobs: [key] });
    }
    for (const name of SETTING_KEYS) {
      const value = ks.authenticatedMeta(name);
      if (value !== undefined) sections.push({ kind: SECTION.setting, meta: { name, value }, blobs: [] });
    }
    return { body: encodeBody(sections), counts: { keys: sections.filter((s) => s.kind === SECTION.key).length, versions, remotes: remotes.length } };
  } finally {
    for (const s of secrets) s.fill(0);
  }
}

function keyMetaOf(rec: KeyRecord, versions: Array<{ version: number; createdAt: number }>): KeyMeta {
  return {
    id: rec.id,
    label: rec.label,
    algorithm: rec.algorithm,
    provider: rec.provider,
    policy: rec.policy as KeyMeta['policy'],
    publicRaw: rec.publicRaw ? Buffer.from(rec.publicRaw).toString('base64url') : null,
    ref: rec.ref ?? null,
    derivation: rec.derivation ?? null,
    createdAt: rec.createdAt,
    version: rec.version,
    secret: rec.hasSecret,
    versions,
  };
}

function definedOptions(o: RemoteRecord['options']): RemoteRecord['options'] {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

function check<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw new KmsError('CORRUPT', `the backup's ${what} is not one OpenWallet writes (${r.error.issues[0]?.path.join('.') ?? ''})`);
  return r.data;
}

/**
 * The contents of a decrypted body, checked field by field and key by key (each software secret loads with its
 * algorithm), before anything is written. Secrets are views into `body`.
 */
export function readContents(body: Buffer, backupId: string, registry: AlgorithmRegistry): BackupContents {
  const sections = decodeBody(body);
  const first = sections[0];
  if (!first || first.kind !== SECTION.source) throw new KmsError('CORRUPT', 'the backup does not say where it came from');
  const source = check(sourceMeta, first.meta, 'origin');
  if (source.backupId !== backupId) throw new KmsError('TAMPERED', 'the backup contents belong to another backup file');
  const out: BackupContents = { source, keys: [], remotes: [], settings: [] };
  const ids = new Set<string>();
  const names = new Set<string>();
  for (const s of sections.slice(1)) {
    if (s.kind === SECTION.key) out.keys.push(keyEntry(s, registry, ids));
    else if (s.kind === SECTION.remote) {
      const meta = check(remoteMeta, s.meta, 'remote');
      if (names.has(meta.name) || s.blobs.length !== 1) throw new KmsError('CORRUPT', `the backup's remote ${meta.name} is malformed`);
      names.add(meta.name);
      out.remotes.push({ record: meta, key: s.blobs[0]! });
    } else if (s.kind === SECTION.setting) out.settings.push(check(settingMeta, s.meta, 'setting'));
    else throw new KmsError('CORRUPT', 'the backup names its origin twice');
  }
  return out;
}

function keyEntry(s: Section, registry: AlgorithmRegistry, ids: Set<string>): KeyEntry {
  const meta = check(keyMeta, s.meta, 'key');
  const bad = (why: string) => new KmsError('CORRUPT', `the backup's key ${meta.id} is malformed: ${why}`);
  if (ids.has(meta.id)) throw bad('its id appears twice');
  ids.add(meta.id);
  if (s.blobs.length !== (meta.secret ? 1 : 0) + meta.versions.length) throw bad('its secrets do not match its description');
  if (meta.versions.some((v, i) => v.version >= meta.version || (i > 0 && v.version <= meta.versions[i - 1]!.version))) throw bad('its versions are out of order');
  if (meta.secret && meta.provider !== 'software') throw bad('a token or remote key carries a secret');
  if (!registry.has(meta.algorithm)) throw bad(`this KMS has no ${meta.algorithm}`);
  const secret = meta.secret ? s.blobs[0] : undefined;
  if (secret) {
    try {
      registry.get(meta.algorithm).loadPrivate({ secret, ...(meta.publicRaw ? { publicRaw: Buffer.from(meta.publicRaw, 'base64url') } : {}) });
    } catch (e) {
      throw new KmsError('CORRUPT', `the backup's key ${meta.id} does not load as ${meta.algorithm}`, { cause: e });
    }
  }
  return { meta, ...(secret ? { secret } : {}), versions: s.blobs.slice(meta.secret ? 1 : 0) };
}

/**
 * Write the contents into a keystore being initialized (inside Keystore.initialize's transaction). `origin` names the
 * metadata entry that records where they came from: a backup (`restored_from`) or owkms doctor (`salvaged_from`).
 */
export function writeContents(ks: Keystore, c: BackupContents, origin: 'restored_from' | 'salvaged_from' = 'restored_from'): void {
  for (const k of c.keys) {
    const m = k.meta;
    ks.keys.insert(
      {
        id: m.id,
        label: m.label,
        algorithm: m.algorithm,
        provider: m.provider,
        policy: m.policy as KeyPolicy,
        ...(m.publicRaw !== null ? { publicRaw: Buffer.from(m.publicRaw, 'base64url') } : {}),
        ...(m.ref !== null ? { ref: m.ref } : {}),
        ...(m.derivation !== null ? { derivation: m.derivation } : {}),
        createdAt: m.createdAt,
        version: m.version,
      },
      k.secret,
    );
    m.versions.forEach((v, i) => ks.keys.versions.store(m.id, m.algorithm, v.version, k.versions[i]!, v.createdAt));
  }
  for (const r of c.remotes) ks.remotes.insert(r.record, r.key);
  for (const s of c.settings) ks.meta.set(s.name, s.value);
  ks.meta.set(
    origin,
    JSON.stringify({ keystoreId: c.source.keystoreId, generation: c.source.generation, auditHead: c.source.auditHead, backedUpAt: c.source.backedUpAt }),
  );
}

