// PKCS#11 operations of one module connection: C_{Sign,Verify,Encrypt,Decrypt}Init / single / Update / Final,
// C_DeriveKey (ECDH) and C_GenerateRandom, each one KMS call as caller `pkcs11` (guarded keys ask the approver).
// A length query does not end the operation; a result too big for the caller's buffer is kept for the next call.
import { MAX_DATA_BYTES, MAX_RANDOM_BYTES, toB64u } from '../../kms-process/api/index.js';
import type { GuardedUse } from '../agentContext.js';
import type { Attributes } from './p11Attributes.js';
import { CKA, CKK, CKO, CKR, CKR_ACTION_PROHIBITED } from './p11Constants.js';
import { peerKeyBytes } from './p11Der.js';
import { badRequest, ckrOf } from './p11Errors.js';
import { hexArg, int, RvError, template, type P11Engine } from './p11Engine.js';
import { outputLength, planOperation, signRequest, type OpKind, type OpPlan } from './p11Mechanisms.js';

export interface SessionObject {
  session: number;
  attributes: Attributes;
}

interface ActiveOp {
  plan: OpPlan;
  parts: Buffer[];
  size: number;
  /** A finished result the caller's buffer was too small for. */
  result?: Buffer;
}

const KINDS: readonly OpKind[] = ['sign', 'verify', 'encrypt', 'decrypt'];

export class P11Operations {
  private readonly active = new Map<string, ActiveOp>();

  constructor(private readonly engine: P11Engine) {}

  dispose(): void {
    this.active.clear();
  }

  endSession(session: number): void {
    for (const k of KINDS) this.active.delete(`${session}/${k}`);
  }

  async handle(method: string, p: Record<string, unknown>): Promise<Record<string, unknown>> {
    switch (method) {
      case 'p11.opInit':
        return this.init(p);
      case 'p11.op':
        return this.run(p);
      case 'p11.derive':
        return this.derive(p);
      case 'p11.destroy': {
        const s = this.engine.session(p);
        const h = int(p.object, 'object');
        const o = this.engine.sessionObjects.get(h);
        if (!o) return { rv: (await this.engine.tokenObject(h)) ? CKR_ACTION_PROHIBITED : CKR.OBJECT_HANDLE_INVALID };
        void s;
        this.engine.sessionObjects.delete(h);
        return { rv: CKR.OK };
      }
      case 'p11.random': {
        this.engine.session(p);
        const length = int(p.length, 'length');
        if (length > MAX_DATA_BYTES) return { rv: CKR.DATA_LEN_RANGE };
        const parts: Buffer[] = [];
        try {
          for (let left = length; left > 0; left -= MAX_RANDOM_BYTES) {
            const r = await this.engine.gate.call('crypto.random', { length: Math.min(left, MAX_RANDOM_BYTES) });
            parts.push(Buffer.from(r.bytes, 'base64url'));
          }
        } catch (e) {
          return { rv: ckrOf(e) };
        }
        return { rv: CKR.OK, data: Buffer.concat(parts).toString('hex') };
      }
      default:
        throw badRequest(`unknown method '${method.slice(0, 64)}'`);
    }
  }

  private kind(p: Record<string, unknown>): OpKind {
    const k = p.op as OpKind;
    if (!KINDS.includes(k)) throw badRequest('op must be sign, verify, encrypt or decrypt');
    return k;
  }

  /** The key behind an object handle, for an operation of `kind` (private keys and secret keys need the login). */
  private async keyFor(handle: number, kind: OpKind | 'derive') {
    const o = await this.engine.tokenObject(handle);
    if (!o) throw new RvError(this.engine.loggedIn || this.engine.sessionObjects.has(handle) ? CKR.KEY_HANDLE_INVALID : CKR.USER_NOT_LOGGED_IN);
    const needsPrivate = kind === 'sign' || kind === 'decrypt' || kind === 'derive';
    if (o.cls === 'public' && needsPrivate) throw new RvError(CKR.KEY_TYPE_INCONSISTENT);
    if (o.cls === 'private' && kind === 'encrypt') throw new RvError(CKR.KEY_TYPE_INCONSISTENT);
    if (o.cls !== 'public' && !this.engine.loggedIn) throw new RvError(CKR.USER_NOT_LOGGED_IN);
    return o.key;
  }

  private async init(p: Record<string, unknown>): Promise<Record<string, unknown>> {
    const s = this.engine.session(p);
    const kind = this.kind(p);
    const slot = `${s.handle}/${kind}`;
    if (p.mechanism === null) {
      this.active.delete(slot); // C_*Init with a NULL mechanism ends the operation (PKCS#11 3.0)
      return { rv: CKR.OK };
    }
    if (this.active.has(slot)) return { rv: CKR.OPERATION_ACTIVE };
    const m = p.mechanism as { type?: unknown; params?: unknown } | undefined;
    const mech = { type: int(m?.type, 'mechanism'), params: (m?.params ?? undefined) as Record<string, unknown> | undefined };
    const key = await this.keyFor(int(p.key, 'key'), kind);
    const plan = planOperation(kind, mech, key);
    if (typeof plan === 'number') return { rv: plan };
    this.active.set(slot, { plan, parts: [], size: 0 });
    return { rv: CKR.OK };
  }

  private async run(p: Record<string, unknown>): Promise<Record<string, unknown>> {
    const s = this.engine.session(p);
    const kind = this.kind(p);
    const slot = `${s.handle}/${kind}`;
    const op = this.active.get(slot);
    if (!op) return { rv: CKR.OPERATION_NOT_INITIALIZED };
    const step = p.step;
    if (step !== 'single' && step !== 'update' && step !== 'final') throw badRequest('step must be single, update or final');
    const cap = p.outCap === null ? null : int(p.outCap, 'outCap');
    if (op.result) return this.deliver(slot, op, op.result, cap);
    if (step !== 'final') {
      const data = hexArg(p.data, 'data');
      if (op.size + data.length > MAX_DATA_BYTES) {
        this.active.delete(slot);
        return { rv: CKR.DATA_LEN_RANGE };
      }
      if (step === 'update') {
        op.parts.push(data);
        op.size += data.length;
        return { rv: CKR.OK, out: '', len: 0 };
      }
      op.parts = [data];
      op.size = data.length;
    }
    if (cap === null && kind !== 'verify') return { rv: CKR.OK, len: outputLength(op.plan, op.size) };
    const data = Buffer.concat(op.parts);
    try {
      if (kind === 'verify') {
        const valid = await this.verify(op.plan, data, hexArg(p.signature, 'signature'));
        this.active.delete(slot);
        return { rv: valid ? CKR.OK : CKR.SIGNATURE_INVALID };
      }
      const result = kind === 'sign' ? await this.sign(op.plan, data) : kind === 'encrypt' ? await this.encrypt(op.plan, data) : await this.decrypt(op.plan, data);
      return this.deliver(slot, op, result, cap);
    } catch (e) {
      this.active.delete(slot); // an error ends the operation (all but CKR_BUFFER_TOO_SMALL)
      return { rv: e instanceof RvError ? e.rv : ckrOf(e, kind) };
    }
  }

  private deliver(slot: string, op: ActiveOp, result: Buffer, cap: number | null): Record<string, unknown> {
    if (cap === null) {
      op.result = result;
      return { rv: CKR.OK, len: result.length };
    }
    if (cap < result.length) {
      op.result = result;
      return { rv: CKR.BUFFER_TOO_SMALL, len: result.length };
    }
    this.active.delete(slot);
    return { rv: CKR.OK, out: result.toString('hex'), len: result.length };
  }

  private guarded(plan: OpPlan, what: string): GuardedUse | undefined {
    const k = plan.key;
    return k.requiresApproval ? { keyId: k.id, keyLabel: k.label, algorithm: k.algorithm, summary: `PKCS#11 ${what} with "${k.label}" (mechanism 0x${plan.mech.type.toString(16)})` } : undefined;
  }

  private async sign(plan: OpPlan, data: Buffer): Promise<Buffer> {
    const req = signRequest(plan, data);
    if (typeof req === 'number') throw new RvError(req);
    const r = await this.engine.gate.call('crypto.sign', { id: plan.key.id, data: toB64u(req.data), ...req.opts } as never, this.guarded(plan, 'sign'));
    return Buffer.from(r.signature, 'base64url');
  }

  private async verify(plan: OpPlan, data: Buffer, signature: Buffer): Promise<boolean> {
    const req = signRequest(plan, data);
    if (typeof req === 'number') throw new RvError(req);
    if (signature.length !== outputLength(plan, 0) && plan.key.family !== 'ec') return false;
    const r = await this.engine.gate.call('crypto.verify', { id: plan.key.id, data: toB64u(req.data), signature: toB64u(signature), ...req.opts } as never);
    return r.valid;
  }

  private async encrypt(plan: OpPlan, data: Buffer): Promise<Buffer> {
    const g = plan.gcm;
    const params = g
      ? { id: plan.key.id, data: toB64u(data), mode: 'gcm' as const, iv: toB64u(g.iv), ...(g.aad ? { aad: toB64u(g.aad) } : {}) }
      : { id: plan.key.id, data: toB64u(data), mode: 'oaep' as const, ...(plan.oaepLabel ? { aad: toB64u(plan.oaepLabel) } : {}) };
    const r = await this.engine.gate.call('crypto.encrypt', params, this.guarded(plan, 'encrypt'));
    return Buffer.concat([Buffer.from(r.ciphertext, 'base64url'), Buffer.from(r.tag ?? '', 'base64url')]);
  }

  private async decrypt(plan: OpPlan, data: Buffer): Promise<Buffer> {
    const g = plan.gcm;
    if (g && data.length < 16) throw new RvError(CKR.ENCRYPTED_DATA_LEN_RANGE);
    const params = g
      ? { id: plan.key.id, data: toB64u(data.subarray(0, data.length - 16)), tag: toB64u(data.subarray(data.length - 16)), mode: 'gcm' as const, iv: toB64u(g.iv), ...(g.aad ? { aad: toB64u(g.aad) } : {}) }
      : { id: plan.key.id, data: toB64u(data), mode: 'oaep' as const, ...(plan.oaepLabel ? { aad: toB64u(plan.oaepLabel) } : {}) };
    const r = await this.engine.gate.call('crypto.decrypt', params, this.guarded(plan, 'decrypt'));
    return Buffer.from(r.plaintext, 'base64url');
  }

  /** ECDH1 with CKD_NULL: the raw shared secret (only for keys with allowRawAgreement) as a session secret object. */
  private async derive(p: Record<string, unknown>): Promise<Record<string, unknown>> {
    const s = this.engine.session(p);
    const m = p.mechanism as { type?: unknown; params?: unknown } | undefined;
    const mech = { type: int(m?.type, 'mechanism'), params: (m?.params ?? undefined) as Record<string, unknown> | undefined };
    const tmpl = template(p.template);
    try {
      const key = await this.keyFor(int(p.key, 'key'), 'derive');
      const plan = planOperation('derive', mech, key);
      if (typeof plan === 'number') return { rv: plan };
      const field = Math.ceil(key.bits / 8);
      const peer = peerKeyBytes(plan.derive!.peer, key.family === 'montgomery' ? [32] : [1 + 2 * field, 1 + field]);
      if (!peer) return { rv: CKR.MECHANISM_PARAM_INVALID };
      const attrs = this.derivedAttributes(tmpl);
      if (typeof attrs === 'number') return { rv: attrs };
      const r = await this.engine.gate.call('crypto.agree', { id: key.id, peerPublicKey: toB64u(peer), raw: true }, this.guarded(plan, 'derive'));
      let secret = Buffer.from(r.sharedSecret ?? '', 'base64url');
      if (attrs.valueLen !== undefined) {
        if (attrs.valueLen > secret.length || attrs.valueLen === 0) return { rv: CKR.TEMPLATE_INCONSISTENT };
        secret = secret.subarray(0, attrs.valueLen);
      }
      const c = this.engine.codec;
      const a = attrs.map;
      a.set(CKA.VALUE, attrs.sensitive ? 'sensitive' : secret);
      a.set(CKA.VALUE_LEN, c.ulong(secret.length));
      const handle = this.engine.newObjectHandle();
      this.engine.sessionObjects.set(handle, { session: s.handle, attributes: a });
      return { rv: CKR.OK, handle };
    } catch (e) {
      return { rv: e instanceof RvError ? e.rv : ckrOf(e, 'derive') };
    }
  }

  /** The new secret object's attributes from the caller's template: a session object, never a token object. */
  private derivedAttributes(tmpl: Array<{ t: number; v: Uint8Array }>): { map: Attributes; sensitive: boolean; valueLen?: number } | number {
    const c = this.engine.codec;
    const given = new Map(tmpl.map((a) => [a.t, a.v]));
    const b = (t: number, dflt: boolean) => (given.has(t) ? c.readBool(given.get(t)!) : dflt);
    const cls = given.has(CKA.CLASS) ? c.readUlong(given.get(CKA.CLASS)!) : CKO.SECRET_KEY;
    const keyType = given.has(CKA.KEY_TYPE) ? c.readUlong(given.get(CKA.KEY_TYPE)!) : CKK.GENERIC_SECRET;
    if (cls !== CKO.SECRET_KEY || (keyType !== CKK.GENERIC_SECRET && keyType !== CKK.AES)) return CKR.TEMPLATE_INCONSISTENT;
    if (b(CKA.TOKEN, false) !== false) return CKR.TEMPLATE_INCONSISTENT; // no new token objects: the wallet makes keys itself
    const sensitive = b(CKA.SENSITIVE, false);
    const extractable = b(CKA.EXTRACTABLE, true);
    if (sensitive === undefined || extractable === undefined) return CKR.ATTRIBUTE_VALUE_INVALID;
    const valueLen = given.has(CKA.VALUE_LEN) ? c.readUlong(given.get(CKA.VALUE_LEN)!) : undefined;
    const map: Attributes = new Map();
    map.set(CKA.CLASS, c.ulong(CKO.SECRET_KEY));
    map.set(CKA.KEY_TYPE, c.ulong(keyType));
    map.set(CKA.TOKEN, c.bool(false));
    map.set(CKA.PRIVATE, c.bool(b(CKA.PRIVATE, false) === true));
    map.set(CKA.LABEL, given.get(CKA.LABEL) ?? new Uint8Array(0));
    map.set(CKA.ID, given.get(CKA.ID) ?? new Uint8Array(0));
    map.set(CKA.SENSITIVE, c.bool(sensitive));
    map.set(CKA.EXTRACTABLE, c.bool(extractable));
    map.set(CKA.ALWAYS_SENSITIVE, c.bool(false));
    map.set(CKA.NEVER_EXTRACTABLE, c.bool(false));
    map.set(CKA.LOCAL, c.bool(false));
    map.set(CKA.MODIFIABLE, c.bool(false));
    map.set(CKA.DESTROYABLE, c.bool(true));
    for (const t of [CKA.ENCRYPT, CKA.DECRYPT, CKA.SIGN, CKA.VERIFY, CKA.WRAP, CKA.UNWRAP, CKA.DERIVE]) map.set(t, c.bool(false));
    return { map, sensitive, ...(valueLen !== undefined ? { valueLen } : {}) };
  }
}
