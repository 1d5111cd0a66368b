// The PKCS#11 module (native/pkcs11-module) loaded into this process by pkcs11js, against a real `owkms agent` and
// KMS: the 3.0 interface, the PIN and its retry limit, which keys are visible, each mechanism's results checked with
// node:crypto, a locked wallet and a killed agent (typed return values, never a crash or a hang).
import { spawn } from 'node:child_process';
import { constants, createECDH, createPublicKey, publicEncrypt, verify, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as pkcs11js from 'pkcs11js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyInfo } from '../../kms-process/api/index.js';
import { ckaId, MODULE_PIN, startAgent, type TestAgent } from '../helpers/agent.js';
import { requireTool, runTool } from '../services/tools.js';

const CKR = (e: unknown) => (e as { code?: number }).code;
function rvOf(fn: () => unknown): number {
  try {
    fn();
    return 0;
  } catch (e) {
    if (CKR(e) === undefined) throw e;
    return CKR(e)!;
  }
}

let agent: TestAgent;
let p11: pkcs11js.PKCS11;
const keys: Record<string, KeyInfo> = {};

function spki(k: KeyInfo) {
  return createPublicKey({ key: k.publicKey!.jwk as never, format: 'jwk' });
}

function session(login = true): Buffer {
  const slot = p11.C_GetSlotList(true)[0]!;
  const s = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
  if (login) {
    try {
      p11.C_Login(s, pkcs11js.CKU_USER, MODULE_PIN);
    } catch (e) {
      if (CKR(e) !== pkcs11js.CKR_USER_ALREADY_LOGGED_IN) throw e;
    }
  }
  return s;
}

function find(s: Buffer, template: pkcs11js.Template): Buffer[] {
  p11.C_FindObjectsInit(s, template);
  const found = p11.C_FindObjects(s, 100);
  p11.C_FindObjectsFinal(s);
  return found;
}

function privateOf(s: Buffer, k: KeyInfo, cls = pkcs11js.CKO_PRIVATE_KEY): Buffer {
  const [h] = find(s, [{ type: pkcs11js.CKA_CLASS, value: cls }, { type: pkcs11js.CKA_ID, value: Buffer.from(ckaId(k), 'hex') }]);
  if (!h) throw new Error(`no object for ${k.label}`);
  return h;
}

beforeAll(async () => {
  agent = await startAgent();
  keys.p256 = await agent.generate('p256', 'ec-p256');
  keys.ed = await agent.generate('ed25519', 'ed');
  keys.rsa = await agent.generate('rsa-2048', 'rsa');
  keys.aes = await agent.generate('aes-256', 'aes');
  keys.ecdh = await agent.generate('p256', 'ecdh', { allowRawAgreement: true });
  keys.guarded = await agent.generate('p256', 'guarded', { requiresApproval: true, callers: ['cli', 'pkcs11', 'app'] });
  keys.hidden = (await agent.client.callUnchecked('keys.generate', { algorithm: 'p256', label: 'not-for-pkcs11' })) as KeyInfo;
  keys.appOnly = (await agent.client.callUnchecked('keys.generate', { algorithm: 'p256', label: 'app-only', callers: ['app'] })) as KeyInfo;
  process.env.OWKMS_SOCKET = agent.socket;
  p11 = new pkcs11js.PKCS11();
  p11.load(agent.modulePath);
  p11.C_Initialize();
});

afterAll(async () => {
  try {
    p11?.C_Finalize();
  } catch {
    // already finalized by a test
  }
  await agent?.cleanup();
});

describe('the PKCS#11 v3.0 module', () => {
  it('offers the 3.0 interface (C_GetInterface) and the 2.40 function list, and only C_* symbols', async () => {
    const gcc = requireTool('gcc');
    const src = join(agent.dir, 'iface.c');
    writeFileSync(src, `#include <dlfcn.h>
#include <stdio.h>
#include <string.h>
#include <pkcs11.h>
int main(int argc, char **argv) {
  (void)argc;
  void *h = dlopen(argv[1], RTLD_NOW);
  if (!h) return 10;
  CK_C_GetInterface gi = (CK_C_GetInterface)dlsym(h, "C_GetInterface");
  CK_C_GetInterfaceList gl = (CK_C_GetInterfaceList)dlsym(h, "C_GetInterfaceList");
  if (!gi || !gl) return 11;
  CK_ULONG n = 0;
  if (gl(NULL, &n) != CKR_OK) return 12;
  CK_VERSION v30 = {3, 0};
  CK_INTERFACE_PTR i = NULL;
  if (gi((CK_UTF8CHAR_PTR)"PKCS 11", &v30, &i, 0) != CKR_OK || !i) return 13;
  CK_FUNCTION_LIST_3_0_PTR f = (CK_FUNCTION_LIST_3_0_PTR)i->pFunctionList;
  if (f->C_Initialize(NULL) != CKR_OK) return 14;
  CK_INFO info;
  if (f->C_GetInfo(&info) != CKR_OK) return 15;
  CK_VERSION v99 = {9, 9};
  CK_INTERFACE_PTR none = NULL;
  int refused = gi((CK_UTF8CHAR_PTR)"PKCS 11", &v99, &none, 0) != CKR_OK;
  printf("%lu %d.%d %d.%d %s %d\\n", n, f->version.major, f->version.minor, info.cryptokiVersion.major, info.cryptokiVersion.minor,
         f->C_LoginUser && f->C_SessionCancel ? "3.0-functions" : "missing", refused);
  f->C_Finalize(NULL);
  return 0;
}
`);
    const exe = join(agent.dir, 'iface');
    const cc = await runTool(gcc, ['-Wall', '-Werror', '-I/usr/include/pkcs11-helper-1.0', src, '-o', exe, '-ldl']);
    expect(cc.stderr).toBe('');
    const r = await runTool(exe, [agent.modulePath], { env: { ...process.env, ...agent.env } });
    expect(r.stdout.trim()).toBe('2 3.0 3.0 3.0-functions 1');
    const nm = await runTool('nm', ['-D', '--defined-only', agent.modulePath]);
    const exported = nm.stdout.trim().split('\n').map((l) => l.split(' ').pop()!);
    expect(exported.length).toBeGreaterThan(80);
    expect(exported.filter((s) => !s.startsWith('C_'))).toEqual([]);
  });

  it('shows only keys that name pkcs11 among their callers; private objects only after C_Login', () => {
    const s = session(false);
    const labels = (hs: Buffer[]) => hs.map((h) => p11.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_LABEL }])[0]!.value!.toString()).sort();
    expect(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY }])).toEqual([]);
    const pub = labels(find(s, [{ type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PUBLIC_KEY }]));
    expect(pub).toEqual(['ec-p256', 'ecdh', 'ed', 'guarded', 'rsa']);
    p11.C_Login(s, pkcs11js.CKU_USER, MODULE_PIN);
    const all = labels(find(s, []));
    expect(all).not.toContain('not-for-pkcs11');
    expect(all).not.toContain('app-only');
    expect(all.filter((l) => l === 'ec-p256')).toHaveLength(2);
    expect(all).toContain('aes');
    // Private keys: sensitive, never extractable; their private parts are unreadable.
    const priv = privateOf(s, keys.p256!);
    const a = p11.C_GetAttributeValue(s, priv, [{ type: pkcs11js.CKA_SENSITIVE }, { type: pkcs11js.CKA_EXTRACTABLE }, { type: pkcs11js.CKA_NEVER_EXTRACTABLE }]);
    expect(a.map((x) => x.value![0])).toEqual([1, 0, 1]);
    expect(rvOf(() => p11.C_GetAttributeValue(s, priv, [{ type: pkcs11js.CKA_VALUE }]))).toBe(pkcs11js.CKR_ATTRIBUTE_SENSITIVE);
    // CKA_EC_POINT is the DER OCTET STRING of the key's uncompressed point; CKA_EC_PARAMS the curve's OID.
    const pubH = privateOf(s, keys.p256!, pkcs11js.CKO_PUBLIC_KEY);
    const [point, params] = p11.C_GetAttributeValue(s, pubH, [{ type: pkcs11js.CKA_EC_POINT }, { type: pkcs11js.CKA_EC_PARAMS }]);
    const raw = spki(keys.p256!).export({ format: 'jwk' });
    expect(point!.value).toEqual(Buffer.concat([Buffer.from([4, 65, 4]), Buffer.from(raw.x!, 'base64url'), Buffer.from(raw.y!, 'base64url')]));
    expect(params!.value!.toString('hex')).toBe('06082a8648ce3d030107');
    // RSA: modulus and exponent as the public key has them.
    const rsaPub = privateOf(s, keys.rsa!, pkcs11js.CKO_PUBLIC_KEY);
    const [n, e] = p11.C_GetAttributeValue(s, rsaPub, [{ type: pkcs11js.CKA_MODULUS }, { type: pkcs11js.CKA_PUBLIC_EXPONENT }]);
    expect(n!.value!.toString('base64url')).toBe(keys.rsa!.publicKey!.jwk!.n);
    expect(e!.value!.toString('base64url')).toBe(keys.rsa!.publicKey!.jwk!.e);
    p11.C_CloseSession(s);
  });

  it('signs: ECDSA (raw digest and SHA-256), EdDSA, RSA PKCS#1 v1.5 and PSS, each verified by node:crypto; buffer-size rules', () => {
    const s = session();
    const msg = Buffer.from('pkcs11 through the wallet');
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.p256!));
    const ec = p11.C_Sign(s, msg, Buffer.alloc(64));
    expect(verify('sha256', msg, { key: spki(keys.p256!), dsaEncoding: 'ieee-p1363' }, ec)).toBe(true);
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, privateOf(s, keys.p256!));
    const raw = p11.C_Sign(s, createHash('sha256').update(msg).digest(), Buffer.alloc(64));
    expect(verify('sha256', msg, { key: spki(keys.p256!), dsaEncoding: 'ieee-p1363' }, raw)).toBe(true);
    // A buffer too small keeps the operation (and its result) for the next call.
    p11.C_SignInit(s, { mechanism: 0x1057 /* CKM_EDDSA */ }, privateOf(s, keys.ed!));
    expect(rvOf(() => p11.C_Sign(s, msg, Buffer.alloc(10)))).toBe(pkcs11js.CKR_BUFFER_TOO_SMALL);
    const ed = p11.C_Sign(s, msg, Buffer.alloc(64));
    expect(verify(null, msg, spki(keys.ed!), ed)).toBe(true);
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS }, privateOf(s, keys.rsa!));
    p11.C_SignUpdate(s, msg.subarray(0, 5));
    p11.C_SignUpdate(s, msg.subarray(5));
    const pkcs1 = p11.C_SignFinal(s, Buffer.alloc(256));
    expect(verify('sha256', msg, spki(keys.rsa!), pkcs1)).toBe(true);
    const pss: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen: 32 };
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS_PSS, parameter: pss }, privateOf(s, keys.rsa!));
    const pssSig = p11.C_Sign(s, msg, Buffer.alloc(256));
    expect(verify('sha256', msg, { key: spki(keys.rsa!), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, pssSig)).toBe(true);
    // PSS parameters the KMS cannot honour are refused at init, not signed differently.
    expect(rvOf(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_SHA256_RSA_PKCS_PSS, parameter: { ...pss, saltLen: 20 } as pkcs11js.RsaPSS }, privateOf(s, keys.rsa!)))).toBe(pkcs11js.CKR_MECHANISM_PARAM_INVALID);
    // C_Verify through the KMS.
    p11.C_VerifyInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.p256!, pkcs11js.CKO_PUBLIC_KEY));
    expect(p11.C_Verify(s, msg, ec)).toBe(true);
    p11.C_VerifyInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.p256!, pkcs11js.CKO_PUBLIC_KEY));
    expect(rvOf(() => p11.C_Verify(s, Buffer.from('other'), ec))).toBe(pkcs11js.CKR_SIGNATURE_INVALID);
    // A mechanism the key type does not have, and a public key for signing.
    expect(rvOf(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, privateOf(s, keys.rsa!)))).toBe(pkcs11js.CKR_KEY_TYPE_INCONSISTENT);
    expect(rvOf(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA }, privateOf(s, keys.p256!, pkcs11js.CKO_PUBLIC_KEY)))).toBe(pkcs11js.CKR_KEY_TYPE_INCONSISTENT);
    p11.C_CloseSession(s);
  });

  it('decrypts RSA-OAEP (SHA-256) that node:crypto encrypted; AES-GCM round trip with AAD; a flipped tag is CKR_ENCRYPTED_DATA_INVALID', () => {
    const s = session();
    const secret = Buffer.from('sealed for the wallet');
    const ct = publicEncrypt({ key: spki(keys.rsa!), padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha256' }, secret);
    const oaep: pkcs11js.RsaOAEP = { type: pkcs11js.CK_PARAMS_RSA_OAEP, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, source: 1 };
    p11.C_DecryptInit(s, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: oaep }, privateOf(s, keys.rsa!));
    expect(p11.C_Decrypt(s, ct, Buffer.alloc(256))).toEqual(secret);
    // SHA-1 OAEP is not offered.
    expect(rvOf(() => p11.C_DecryptInit(s, { mechanism: pkcs11js.CKM_RSA_PKCS_OAEP, parameter: { ...oaep, hashAlg: pkcs11js.CKM_SHA_1, mgf: pkcs11js.CKG_MGF1_SHA1 } as pkcs11js.RsaOAEP }, privateOf(s, keys.rsa!)))).toBe(pkcs11js.CKR_MECHANISM_PARAM_INVALID);
    const aes = privateOf(s, keys.aes!, pkcs11js.CKO_SECRET_KEY);
    const gcm = { type: pkcs11js.CK_PARAMS_GCM, iv: Buffer.alloc(12, 7), ivBits: 96, aad: Buffer.from('header'), tagBits: 128 };
    p11.C_EncryptInit(s, { mechanism: pkcs11js.CKM_AES_GCM, parameter: gcm }, aes);
    const sealed = p11.C_Encrypt(s, secret, Buffer.alloc(secret.length + 16));
    expect(sealed.length).toBe(secret.length + 16);
    p11.C_DecryptInit(s, { mechanism: pkcs11js.CKM_AES_GCM, parameter: gcm }, aes);
    expect(p11.C_Decrypt(s, sealed, Buffer.alloc(sealed.length))).toEqual(secret);
    const flipped = Buffer.from(sealed);
    flipped[flipped.length - 1]! ^= 1;
    p11.C_DecryptInit(s, { mechanism: pkcs11js.CKM_AES_GCM, parameter: gcm }, aes);
    expect(rvOf(() => p11.C_Decrypt(s, flipped, Buffer.alloc(sealed.length)))).toBe(pkcs11js.CKR_ENCRYPTED_DATA_INVALID);
    p11.C_CloseSession(s);
  });

  it('derives ECDH1 (CKD_NULL) secrets equal to node:crypto ECDH, only for keys whose policy allows raw agreement', () => {
    const s = session();
    const peer = createECDH('prime256v1');
    peer.generateKeys();
    const ours = spki(keys.ecdh!).export({ format: 'jwk' });
    const expected = peer.computeSecret(Buffer.concat([Buffer.from([4]), Buffer.from(ours.x!, 'base64url'), Buffer.from(ours.y!, 'base64url')]));
    const params = { type: pkcs11js.CK_PARAMS_EC_DH, kdf: 1, publicData: peer.getPublicKey() };
    const template = [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_TOKEN, value: false },
      { type: pkcs11js.CKA_SENSITIVE, value: false },
      { type: pkcs11js.CKA_EXTRACTABLE, value: true },
    ];
    const derived = p11.C_DeriveKey(s, { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter: params }, privateOf(s, keys.ecdh!), template);
    expect(p11.C_GetAttributeValue(s, derived, [{ type: pkcs11js.CKA_VALUE }])[0]!.value).toEqual(expected);
    p11.C_DestroyObject(s, derived);
    // The plain p256 key has no allowRawAgreement: the KMS refuses the raw secret.
    expect(rvOf(() => p11.C_DeriveKey(s, { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter: params }, privateOf(s, keys.p256!), template))).toBe(pkcs11js.CKR_KEY_FUNCTION_NOT_PERMITTED);
    // No new token objects.
    const onToken = template.map((a) => (a.type === pkcs11js.CKA_TOKEN ? { ...a, value: true } : a));
    expect(rvOf(() => p11.C_DeriveKey(s, { mechanism: pkcs11js.CKM_ECDH1_DERIVE, parameter: params }, privateOf(s, keys.ecdh!), onToken))).toBe(pkcs11js.CKR_TEMPLATE_INCONSISTENT);
    p11.C_CloseSession(s);
  });

  it('a guarded key (requiresApproval) with no one to approve is CKR_FUNCTION_REJECTED', () => {
    const s = session();
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.guarded!));
    expect(rvOf(() => p11.C_Sign(s, Buffer.from('x'), Buffer.alloc(64)))).toBe(pkcs11js.CKR_FUNCTION_REJECTED);
    p11.C_CloseSession(s);
  });

  it('a wrong PIN is CKR_PIN_INCORRECT, then CKR_PIN_LOCKED after the retry limit; set-pin clears it', async () => {
    const s = session(false);
    try {
      p11.C_Logout(s);
    } catch {
      // not logged in
    }
    for (let i = 0; i < 5; i++) expect(rvOf(() => p11.C_Login(s, pkcs11js.CKU_USER, 'wrong-pin'))).toBe(pkcs11js.CKR_PIN_INCORRECT);
    expect(rvOf(() => p11.C_Login(s, pkcs11js.CKU_USER, 'wrong-pin'))).toBe(pkcs11js.CKR_PIN_LOCKED);
    expect(rvOf(() => p11.C_Login(s, pkcs11js.CKU_USER, MODULE_PIN))).toBe(pkcs11js.CKR_PIN_LOCKED);
    const info = p11.C_GetTokenInfo(p11.C_GetSlotList(true)[0]!);
    expect(info.flags & 0x40000 /* CKF_USER_PIN_LOCKED */).toBeTruthy();
    expect(rvOf(() => p11.C_Login(s, pkcs11js.CKU_SO, MODULE_PIN))).toBe(pkcs11js.CKR_USER_TYPE_INVALID);
    await agent.client.callUnchecked('pkcs11.setPin', { pin: MODULE_PIN });
    expect(rvOf(() => p11.C_Login(s, pkcs11js.CKU_USER, MODULE_PIN))).toBe(0);
    p11.C_CloseSession(s);
  });

  it('a locked wallet: logins are void (CKR_USER_NOT_LOGGED_IN), the token is absent, nothing crashes; unlocking brings it back', async () => {
    const s = session();
    const key = privateOf(s, keys.p256!);
    await agent.client.callUnchecked('kms.lock', {});
    expect(rvOf(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, key))).toBe(pkcs11js.CKR_USER_NOT_LOGGED_IN);
    expect(p11.C_GetSlotList(true)).toEqual([]);
    expect(rvOf(() => p11.C_OpenSession(p11.C_GetSlotList(false)[0]!, pkcs11js.CKF_SERIAL_SESSION))).toBe(pkcs11js.CKR_TOKEN_NOT_PRESENT);
    expect(find(s, [])).toEqual([]);
    await agent.client.callUnchecked('kms.unlock', { passphrase: 'correct horse battery staple' });
    expect(p11.C_GetSlotList(true)).toHaveLength(1);
    p11.C_Login(s, pkcs11js.CKU_USER, MODULE_PIN);
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.p256!));
    expect(p11.C_Sign(s, Buffer.from('after unlock'), Buffer.alloc(64)).length).toBe(64);
    p11.C_CloseSession(s);
  });

  it('the agent killed in the middle of C_Sign: CKR_DEVICE_REMOVED at once, then no token; no hang', async () => {
    const s = session();
    p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, privateOf(s, keys.p256!));
    // Freeze the agent so the call is in flight, and let another process kill it half a second later (pkcs11js
    // calls are synchronous: this process cannot do it while it waits).
    const pid = agent.child.pid!;
    process.kill(pid, 'SIGSTOP');
    spawn('sh', ['-c', `sleep 0.5; kill -9 ${pid}`], { stdio: 'ignore' });
    const t0 = Date.now();
    expect(rvOf(() => p11.C_Sign(s, Buffer.from('in flight'), Buffer.alloc(64)))).toBe(pkcs11js.CKR_DEVICE_REMOVED);
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(p11.C_GetSlotList(true)).toEqual([]);
    expect(rvOf(() => p11.C_SignInit(s, { mechanism: pkcs11js.CKM_ECDSA_SHA256 }, Buffer.alloc(8)))).toBe(pkcs11js.CKR_DEVICE_REMOVED);
    p11.C_Finalize();
  });
});
