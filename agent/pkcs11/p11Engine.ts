// The PKCS#11 token as the agent runs it for one module connection (one consumer process): sessions, login with the
// module's PIN, objects and their attributes, find. Cryptographic operations are in p11Operations.ts. The C module
// forwards each C_* call here as p11.<name> and copies the answer into the caller's structures.
import { MAX_DATA_BYTES } from '../../kms-process/api/index.js';
import type { KmsGate } from '../agentContext.js';
import { AttrCodec, matches, type Attributes } from './p11Attributes.js';
import { CKA, CKF, CKR, CKS, CKU } from './p11Constants.js';
import { ckrOf, badRequest } from './p11Errors.js';
import { mechanismInfo } from './p11Mechanisms.js';
import { classesOf, objectAttributes, p11KeyOf, type ObjectClass, type P11Key } from './p11Objects.js';
import { P11Operations, type SessionObject } from './p11Operations.js';

const MAX_SESSIONS = 64;
const MAX_KEYS_LISTED = 10_000;

export interface P11Session {
  handle: number;
  rw: boolean;
  find?: { handles: number[]; pos: number };
}

type TokenObject = { keyId: string; cls: ObjectClass };

export const int = (v: unknown, what: string): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw badRequest(`${what} must be a whole number`);
  return v;
};
export const hexArg = (v: unknown, what: string, max = 2 * MAX_DATA_BYTES): Buffer => {
  if (typeof v !== 'string' || v.length > max || !/^([0-9a-fA-F]{2})*$/.test(v)) throw badRequest(`${what} must be hex`);
  return Buffer.from(v, 'hex');
};
export const template = (v: unknown): Array<{ t: number; v: Uint8Array }> => {
  if (!Array.isArray(v) || v.length > 64) throw badRequest('template must be a list');
  return v.map((a: { t?: unknown; v?: unknown }) => ({ t: int(a?.t, 'attribute type'), v: hexArg(a?.v, 'attribute value', 64 * 1024) }));
};

export class P11Engine {
  readonly codec: AttrCodec;
  readonly sessions = new Map<number, P11Session>();
  private nextSession: number;
  private nextObject: number;
  private readonly tokenHandles = new Map<string, number>();
  private readonly tokenObjects = new Map<number, TokenObject>();
  readonly sessionObjects = new Map<number, SessionObject>();
  private keys = new Map<string, P11Key>();
  private loginEpoch: number | undefined;
  private readonly ops: P11Operations;

  constructor(readonly gate: KmsGate, ulongBytes: 4 | 8) {
    this.codec = new AttrCodec(ulongBytes);
    // Handles start somewhere random, so a handle kept across an agent restart names nothing rather than another key.
    this.nextSession = 1 + Math.floor(Math.random() * 0x3fffffff);
    this.nextObject = 1 + Math.floor(Math.random() * 0x3fffffff);
    this.ops = new P11Operations(this);
  }

  dispose(): void {
    this.sessions.clear();
    this.sessionObjects.clear();
    this.ops.dispose();
  }

  get loggedIn(): boolean {
    return this.loginEpoch !== undefined && this.loginEpoch === this.gate.lockEpoch();
  }

  newObjectHandle(): number {
    return this.nextObject++;
  }

  session(p: Record<string, unknown>): P11Session {
    const s = this.sessions.get(int(p.session, 'session'));
    if (!s) throw new RvError(CKR.SESSION_HANDLE_INVALID);
    return s;
  }

  async handle(method: string, params: unknown): Promise<Record<string, unknown>> {
    const p = (params ?? {}) as Record<string, unknown>;
    try {
      switch (method) {
        case 'p11.slotInfo':
          return { rv: CKR.OK, tokenPresent: await this.present() };
        case 'p11.tokenInfo':
          return await this.tokenInfo();
        case 'p11.mechanisms':
          return { rv: CKR.OK, list: mechanismInfo() };
        case 'p11.openSession':
          return await this.openSession(int(p.flags, 'flags'));
        case 'p11.closeSession':
          this.closeSession(this.session(p).handle);
          return { rv: CKR.OK };
        case 'p11.closeAllSessions':
          for (const h of [...this.sessions.keys()]) this.closeSession(h);
          return { rv: CKR.OK };
        case 'p11.sessionInfo': {
          const s = this.session(p);
          const state = this.loggedIn ? (s.rw ? CKS.RW_USER_FUNCTIONS : CKS.RO_USER_FUNCTIONS) : s.rw ? CKS.RW_PUBLIC_SESSION : CKS.RO_PUBLIC_SESSION;
          return { rv: CKR.OK, state, flags: CKF.SERIAL_SESSION | (s.rw ? CKF.RW_SESSION : 0) };
        }
        case 'p11.login':
          return await this.login(this.session(p), int(p.userType, 'userType'), hexArg(p.pin, 'pin', 1024));
        case 'p11.logout':
          this.session(p);
          if (!this.loggedIn) return { rv: CKR.USER_NOT_LOGGED_IN };
          this.loginEpoch = undefined;
          return { rv: CKR.OK };
        case 'p11.findInit':
          return await this.findInit(this.session(p), template(p.template));
        case 'p11.find': {
          const s = this.session(p);
          if (!s.find) return { rv: CKR.OPERATION_NOT_INITIALIZED };
          const max = Math.min(int(p.max, 'max'), 4096);
          const handles = s.find.handles.slice(s.find.pos, s.find.pos + max);
          s.find.pos += handles.length;
          return { rv: CKR.OK, handles };
        }
        case 'p11.findFinal': {
          const s = this.session(p);
          if (!s.find) return { rv: CKR.OPERATION_NOT_INITIALIZED };
          delete s.find;
          return { rv: CKR.OK };
        }
        case 'p11.getAttributes':
          return await this.getAttributes(this.session(p), int(p.object, 'object'), p.types);
        default:
          return await this.ops.handle(method, p);
      }
    } catch (e) {
      if (e instanceof RvError) return { rv: e.rv };
      throw e;
    }
  }

  /** The token is present while the agent's wallet is unlocked (locking it is like pulling a card). */
  async present(): Promise<boolean> {
    try {
      return (await this.gate.call('kms.status', { probe: false })).state === 'unlocked';
    } catch {
      return false;
    }
  }

  private async tokenInfo(): Promise<Record<string, unknown>> {
    let status;
    try {
      status = await this.gate.call('kms.status', { probe: false });
      if (status.state !== 'unlocked') return { rv: CKR.TOKEN_NOT_PRESENT };
      const pin = await this.gate.call('pkcs11.pinStatus', {});
      let flags = CKF.RNG | CKF.LOGIN_REQUIRED | CKF.TOKEN_INITIALIZED;
      if (pin.set) flags |= CKF.USER_PIN_INITIALIZED;
      if (pin.failures > 0) flags |= CKF.USER_PIN_COUNT_LOW;
      if (pin.retriesLeft === 1) flags |= CKF.USER_PIN_FINAL_TRY;
      if (pin.locked) flags |= CKF.USER_PIN_LOCKED;
      const rw = [...this.sessions.values()].filter((s) => s.rw).length;
      return {
        rv: CKR.OK,
        label: 'OpenWallet',
        manufacturer: 'OpenWallet Desktop',
        model: 'owkms agent',
        serial: (status.keystoreId ?? '').replace(/[^A-Za-z0-9]/g, '').slice(0, 16),
        flags,
        sessions: this.sessions.size,
        rwSessions: rw,
        maxSessions: MAX_SESSIONS,
        minPin: 4,
        maxPin: 64,
      };
    } catch (e) {
      return { rv: ckrOf(e) === CKR.USER_NOT_LOGGED_IN ? CKR.TOKEN_NOT_PRESENT : CKR.DEVICE_ERROR };
    }
  }

  private async openSession(flags: number): Promise<Record<string, unknown>> {
    if ((flags & CKF.SERIAL_SESSION) === 0) return { rv: CKR.SESSION_PARALLEL_NOT_SUPPORTED };
    if (!(await this.present())) return { rv: CKR.TOKEN_NOT_PRESENT };
    if (this.sessions.size >= MAX_SESSIONS) return { rv: CKR.SESSION_COUNT };
    const handle = this.nextSession++;
    this.sessions.set(handle, { handle, rw: (flags & CKF.RW_SESSION) !== 0 });
    return { rv: CKR.OK, session: handle };
  }

  private closeSession(handle: number): void {
    this.sessions.delete(handle);
    this.ops.endSession(handle);
    for (const [h, o] of this.sessionObjects) if (o.session === handle) this.sessionObjects.delete(h);
    if (this.sessions.size === 0) this.loginEpoch = undefined; // the last session closed: logged out (PKCS#11 5.6)
  }

  private async login(s: P11Session, userType: number, pin: Buffer): Promise<Record<string, unknown>> {
    void s;
    if (userType === CKU.CONTEXT_SPECIFIC) return { rv: CKR.OPERATION_NOT_INITIALIZED }; // no key needs it
    if (userType !== CKU.USER) return { rv: CKR.USER_TYPE_INVALID }; // no security officer: the CLI sets the PIN
    if (this.loggedIn) return { rv: CKR.USER_ALREADY_LOGGED_IN };
    if (pin.length < 4 || pin.length > 64) return { rv: CKR.PIN_LEN_RANGE };
    const epoch = this.gate.lockEpoch();
    try {
      await this.gate.call('pkcs11.login', { pin: pin.toString('utf8') });
    } catch (e) {
      const kind = (e as { kind?: string }).kind;
      const rv = kind === 'WRONG_SECRET' ? CKR.PIN_INCORRECT
        : kind === 'PIN_LOCKED' ? CKR.PIN_LOCKED
        : kind === 'NOT_FOUND' ? CKR.USER_PIN_NOT_INITIALIZED
        : kind === 'LOCKED' ? CKR.DEVICE_REMOVED // the wallet locked since the session opened: the token is gone
        : ckrOf(e);
      return { rv };
    } finally {
      pin.fill(0);
    }
    this.loginEpoch = epoch;
    return { rv: CKR.OK };
  }

  /** List the keys the `pkcs11` caller may see (the KMS filters them), and give their objects stable handles. */
  async refreshKeys(): Promise<void> {
    const keys = new Map<string, P11Key>();
    let cursor: string | undefined;
    do {
      const page = await this.gate.call('keys.list', cursor === undefined ? { limit: 500 } : { limit: 500, cursor });
      for (const info of page.keys) {
        const k = p11KeyOf(info);
        if (k) keys.set(k.id, k);
      }
      cursor = page.nextCursor;
    } while (cursor !== undefined && keys.size < MAX_KEYS_LISTED);
    this.keys = keys;
    for (const k of keys.values()) {
      for (const cls of classesOf(k)) {
        const name = `${k.id}/${cls}`;
        if (!this.tokenHandles.has(name)) {
          const h = this.newObjectHandle();
          this.tokenHandles.set(name, h);
          this.tokenObjects.set(h, { keyId: k.id, cls });
        }
      }
    }
  }

  /** The key and class of a token object this connection may see now (private ones only after login). */
  async tokenObject(handle: number): Promise<{ key: P11Key; cls: ObjectClass } | undefined> {
    const o = this.tokenObjects.get(handle);
    if (!o) return undefined;
    if (o.cls !== 'public' && !this.loggedIn) return undefined;
    if (!this.keys.has(o.keyId)) await this.refreshKeys().catch(() => undefined);
    const key = this.keys.get(o.keyId);
    return key ? { key, cls: o.cls } : undefined;
  }

  private async findInit(s: P11Session, tmpl: Array<{ t: number; v: Uint8Array }>): Promise<Record<string, unknown>> {
    if (s.find) return { rv: CKR.OPERATION_ACTIVE };
    try {
      await this.refreshKeys();
    } catch (e) {
      if (ckrOf(e) !== CKR.USER_NOT_LOGGED_IN) return { rv: ckrOf(e) };
      this.keys = new Map(); // the wallet locked: no objects
    }
    const found: number[] = [];
    for (const [h, o] of this.tokenObjects) {
      const key = this.keys.get(o.keyId);
      if (!key || (o.cls !== 'public' && !this.loggedIn)) continue;
      if (matches(objectAttributes(key, o.cls, this.codec), tmpl)) found.push(h);
    }
    for (const [h, o] of this.sessionObjects) if (matches(o.attributes, tmpl)) found.push(h);
    s.find = { handles: found, pos: 0 };
    return { rv: CKR.OK };
  }

  private async getAttributes(s: P11Session, object: number, types: unknown): Promise<Record<string, unknown>> {
    void s;
    if (!Array.isArray(types) || types.length > 256) throw badRequest('types must be a list');
    let attrs: Attributes | undefined = this.sessionObjects.get(object)?.attributes;
    if (!attrs) {
      const o = await this.tokenObject(object);
      if (!o) return { rv: CKR.OBJECT_HANDLE_INVALID };
      attrs = objectAttributes(o.key, o.cls, this.codec);
    }
    const out = types.map((t) => {
      const v = attrs!.get(int(t, 'attribute type'));
      if (v === undefined) return { err: 'invalid' };
      if (v === 'sensitive') return { err: 'sensitive' };
      return { v: Buffer.from(v).toString('hex') };
    });
    return { rv: CKR.OK, attrs: out };
  }
}

/** A PKCS#11 return value thrown from deep inside a handler. */
export class RvError extends Error {
  constructor(readonly rv: number) {
    super(`CKR 0x${rv.toString(16)}`);
  }
}

export { CKA };
