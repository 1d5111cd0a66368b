// SoftHSM2 called directly through pkcs11js in the benchmark's process: synchronous C_SignInit/C_Sign and
// C_EncryptInit/C_Encrypt on one logged-in session, with token keys made from the same templates the KMS uses.
// ECDSA and RSA hash in-process and sign the digest (CKM_ECDSA, CKM_RSA_PKCS_PSS), as the KMS does.
import { createHash, randomBytes } from 'node:crypto';
import pkcs11js from 'pkcs11js';
import { CKM_EDDSA } from '../kms-process/providers/pkcs11/pkcs11Constants.js';
import { generationSpec, TOKEN_ALGORITHMS } from '../kms-process/providers/pkcs11/tokenAlgorithms.js';
import type { SoftHsmToken } from '../test/services/softhsm.js';
import type { OpCase } from './opCases.js';
import { syncRun, type Run } from './timing.js';

type Handle = Buffer;

export interface SoftHsmOp {
  run(budgetMs: number): Run;
}

export class SoftHsmDirect {
  private constructor(
    private readonly lib: pkcs11js.PKCS11,
    private readonly session: Handle,
  ) {}

  /** Load the module (SOFTHSM2_CONF must already be in process.env), open a session on `token` and log in. */
  static open(modulePath: string, token: SoftHsmToken): SoftHsmDirect {
    const lib = new pkcs11js.PKCS11();
    lib.load(modulePath);
    lib.C_Initialize({ flags: pkcs11js.CKF_OS_LOCKING_OK });
    const slot = lib.C_GetSlotList(true).find((s) => lib.C_GetTokenInfo(s).serialNumber.trim() === token.serial);
    if (!slot) throw new Error(`SoftHSM token ${token.serial} not found`);
    const session = lib.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION | pkcs11js.CKF_RW_SESSION);
    lib.C_Login(session, pkcs11js.CKU_USER, token.pin);
    return new SoftHsmDirect(lib, session);
  }

  /** A token key for `c` and one operation with it; undefined where SoftHSM2 lacks the algorithm. */
  prepare(c: OpCase): SoftHsmOp | undefined {
    const once = c.algorithm === 'hmac-sha256' ? this.hmac(c) : this.withKmsTemplate(c);
    if (!once) return undefined;
    once(); // fail here, not inside a timed loop
    return { run: (budgetMs) => syncRun(budgetMs, once) };
  }

  private withKmsTemplate(c: OpCase): (() => unknown) | undefined {
    const alg = TOKEN_ALGORITHMS[c.algorithm];
    if (!alg) return undefined;
    const spec = generationSpec(alg, randomBytes(16), `bench direct ${c.op}`);
    const { lib, session } = this;
    const key = spec.pair
      ? lib.C_GenerateKeyPair(session, { mechanism: spec.mechanism }, spec.publicTemplate, spec.privateTemplate).privateKey
      : lib.C_GenerateKey(session, { mechanism: spec.mechanism }, spec.privateTemplate);
    const data = c.data;
    switch (alg.family) {
      case 'ed25519': {
        const out = Buffer.alloc(64);
        return () => {
          lib.C_SignInit(session, { mechanism: CKM_EDDSA }, key);
          return lib.C_Sign(session, data, out);
        };
      }
      case 'ec': {
        const out = Buffer.alloc(((alg.pointBytes as number) - 1));
        return () => {
          const digest = createHash('sha256').update(data).digest();
          lib.C_SignInit(session, { mechanism: pkcs11js.CKM_ECDSA }, key);
          return lib.C_Sign(session, digest, out);
        };
      }
      case 'rsa': {
        const out = Buffer.alloc((alg.rsaBits as number) / 8);
        const parameter: pkcs11js.RsaPSS = { type: pkcs11js.CK_PARAMS_RSA_PSS, hashAlg: pkcs11js.CKM_SHA256, mgf: pkcs11js.CKG_MGF1_SHA256, saltLen: 32 };
        return () => {
          const digest = createHash('sha256').update(data).digest();
          lib.C_SignInit(session, { mechanism: pkcs11js.CKM_RSA_PKCS_PSS, parameter }, key);
          return lib.C_Sign(session, digest, out);
        };
      }
      case 'aes': {
        const out = Buffer.alloc(data.length + 16);
        return () => {
          const iv = randomBytes(12); // a fresh nonce per message, as the KMS makes
          const parameter: pkcs11js.GcmParams = { type: pkcs11js.CK_PARAMS_AES_GCM_v240, iv, ivBits: 96, tagBits: 128 };
          lib.C_EncryptInit(session, { mechanism: pkcs11js.CKM_AES_GCM, parameter }, key);
          return lib.C_Encrypt(session, data, out);
        };
      }
    }
  }

  /** HMAC-SHA256 with a 32-byte generic secret on the token (the KMS keeps HMAC keys in software only). */
  private hmac(c: OpCase): () => unknown {
    const { lib, session } = this;
    const key = lib.C_GenerateKey(session, { mechanism: pkcs11js.CKM_GENERIC_SECRET_KEY_GEN }, [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_SECRET_KEY },
      { type: pkcs11js.CKA_KEY_TYPE, value: pkcs11js.CKK_GENERIC_SECRET },
      { type: pkcs11js.CKA_VALUE_LEN, value: 32 },
      { type: pkcs11js.CKA_TOKEN, value: true },
      { type: pkcs11js.CKA_PRIVATE, value: true },
      { type: pkcs11js.CKA_SENSITIVE, value: true },
      { type: pkcs11js.CKA_EXTRACTABLE, value: false },
      { type: pkcs11js.CKA_SIGN, value: true },
      { type: pkcs11js.CKA_LABEL, value: `bench direct ${c.op}` },
    ]);
    const out = Buffer.alloc(32);
    return () => {
      lib.C_SignInit(session, { mechanism: pkcs11js.CKM_SHA256_HMAC }, key);
      return lib.C_Sign(session, c.data, out);
    };
  }

  close(): void {
    try {
      this.lib.C_Logout(this.session);
      this.lib.C_CloseSession(this.session);
    } finally {
      this.lib.C_Finalize();
    }
  }
}
