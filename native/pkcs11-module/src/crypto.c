/* Cryptographic functions: the mechanism and its parameters go to the agent as JSON (one struct per mechanism
 * family), the data as hex; the agent answers with the output, or its length for a length query. */
#include "module.h"

#include <stdlib.h>
#include <string.h>

#define CHECK_INIT() do { if (!owk_initialized()) return CKR_CRYPTOKI_NOT_INITIALIZED; } while (0)

/* PKCS#11 2.40's errata CK_GCM_PARAMS had no ulIvBits; some consumers still pass that layout. */
typedef struct {
  void *pIv;
  unsigned long ulIvLen;
  void *pAAD;
  unsigned long ulAADLen;
  unsigned long ulTagBits;
} gcm_params_240;

static int is_pss(CK_MECHANISM_TYPE t) {
  return t == CKM_RSA_PKCS_PSS || t == CKM_SHA224_RSA_PKCS_PSS || t == CKM_SHA256_RSA_PKCS_PSS || t == CKM_SHA384_RSA_PKCS_PSS ||
         t == CKM_SHA512_RSA_PKCS_PSS;
}

#define PARAMS_AS(type) ((const type *)m->pParameter)

static CK_RV mechanism_json(CK_MECHANISM_PTR m, json_object **out) {
  json_object *o = json_object_new_object();
  owk_set_ulong(o, "type", m->mechanism);
  *out = o;
  if (!m->pParameter || !m->ulParameterLen) return CKR_OK;
  json_object *p = json_object_new_object();
  json_object_object_add(o, "params", p);
  if (is_pss(m->mechanism)) {
    if (m->ulParameterLen != sizeof(CK_RSA_PKCS_PSS_PARAMS)) return CKR_MECHANISM_PARAM_INVALID;
    owk_set_ulong(p, "hashAlg", PARAMS_AS(CK_RSA_PKCS_PSS_PARAMS)->hashAlg);
    owk_set_ulong(p, "mgf", PARAMS_AS(CK_RSA_PKCS_PSS_PARAMS)->mgf);
    owk_set_ulong(p, "sLen", PARAMS_AS(CK_RSA_PKCS_PSS_PARAMS)->sLen);
  } else if (m->mechanism == CKM_RSA_PKCS_OAEP) {
    const CK_RSA_PKCS_OAEP_PARAMS *q = PARAMS_AS(CK_RSA_PKCS_OAEP_PARAMS);
    if (m->ulParameterLen != sizeof(*q) || (!q->pSourceData && q->ulSourceDataLen)) return CKR_MECHANISM_PARAM_INVALID;
    owk_set_ulong(p, "hashAlg", q->hashAlg);
    owk_set_ulong(p, "mgf", q->mgf);
    owk_set_ulong(p, "source", q->source);
    owk_set_hex(p, "sourceData", q->pSourceData ? q->pSourceData : "", q->pSourceData ? q->ulSourceDataLen : 0);
  } else if (m->mechanism == CKM_ECDH1_DERIVE) {
    const CK_ECDH1_DERIVE_PARAMS *q = PARAMS_AS(CK_ECDH1_DERIVE_PARAMS);
    if (m->ulParameterLen != sizeof(*q) || !q->pPublicData || (!q->pSharedData && q->ulSharedDataLen)) return CKR_MECHANISM_PARAM_INVALID;
    owk_set_ulong(p, "kdf", q->kdf);
    owk_set_hex(p, "sharedData", q->pSharedData ? q->pSharedData : (CK_BYTE_PTR) "", q->pSharedData ? q->ulSharedDataLen : 0);
    owk_set_hex(p, "publicData", q->pPublicData, q->ulPublicDataLen);
  } else if (m->mechanism == CKM_AES_GCM) {
    const void *iv, *aad;
    CK_ULONG iv_len, aad_len, tag_bits;
    if (m->ulParameterLen == sizeof(CK_GCM_PARAMS)) {
      const CK_GCM_PARAMS *q = PARAMS_AS(CK_GCM_PARAMS);
      iv = q->pIv, iv_len = q->ulIvLen, aad = q->pAAD, aad_len = q->ulAADLen, tag_bits = q->ulTagBits;
    } else if (m->ulParameterLen == sizeof(gcm_params_240)) {
      const gcm_params_240 *q = PARAMS_AS(gcm_params_240);
      iv = q->pIv, iv_len = q->ulIvLen, aad = q->pAAD, aad_len = q->ulAADLen, tag_bits = q->ulTagBits;
    } else return CKR_MECHANISM_PARAM_INVALID;
    if ((!iv && iv_len) || (!aad && aad_len)) return CKR_MECHANISM_PARAM_INVALID;
    owk_set_hex(p, "iv", iv ? iv : "", iv ? iv_len : 0);
    owk_set_hex(p, "aad", aad ? aad : "", aad ? aad_len : 0);
    owk_set_ulong(p, "tagBits", tag_bits);
  } else if (m->mechanism == CKM_EDDSA) {
    const CK_EDDSA_PARAMS *q = PARAMS_AS(CK_EDDSA_PARAMS);
    if (m->ulParameterLen != sizeof(*q) || (!q->pContextData && q->ulContextDataLen)) return CKR_MECHANISM_PARAM_INVALID;
    json_object_object_add(p, "phFlag", json_object_new_boolean(q->phFlag));
    owk_set_hex(p, "context", q->pContextData ? q->pContextData : (CK_BYTE_PTR) "", q->pContextData ? q->ulContextDataLen : 0);
  } else {
    owk_set_hex(p, "raw", m->pParameter, m->ulParameterLen); /* a mechanism without parameters refuses these */
  }
  return CKR_OK;
}

static CK_RV op_init(const char *op, CK_SESSION_HANDLE session, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE key) {
  CHECK_INIT();
  json_object *p = owk_params_session(session), *res = NULL, *mech = NULL;
  json_object_object_add(p, "op", json_object_new_string(op));
  if (m) {
    CK_RV rv = mechanism_json(m, &mech);
    if (rv != CKR_OK) return json_object_put(mech), json_object_put(p), rv;
  }
  json_object_object_add(p, "mechanism", mech); /* NULL: end the active operation */
  owk_set_ulong(p, "key", key);
  CK_RV rv = owk_session_call("p11.opInit", p, &res);
  if (res) json_object_put(res);
  return rv;
}

/* One step of an operation. out == NULL asks for the output length; *out_len is the caller's buffer size. */
static CK_RV op_step(const char *op, const char *step, CK_SESSION_HANDLE session, const CK_BYTE *in, CK_ULONG in_len,
                     const CK_BYTE *sig, CK_ULONG sig_len, CK_BYTE_PTR out, CK_ULONG_PTR out_len) {
  CHECK_INIT();
  if ((!in && in_len) || (!sig && sig_len)) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(session), *res = NULL;
  json_object_object_add(p, "op", json_object_new_string(op));
  json_object_object_add(p, "step", json_object_new_string(step));
  if (strcmp(step, "final") != 0) owk_set_hex(p, "data", in ? in : (const CK_BYTE *)"", in ? in_len : 0);
  if (sig) owk_set_hex(p, "signature", sig, sig_len);
  if (out_len && out) owk_set_ulong(p, "outCap", *out_len);
  else json_object_object_add(p, "outCap", NULL);
  CK_RV rv = owk_session_call("p11.op", p, &res);
  if (rv == CKR_BUFFER_TOO_SMALL || rv != CKR_OK) {
    /* The length comes back with CKR_BUFFER_TOO_SMALL too, but owk_call has dropped the answer by then: ask again
     * for the length (the agent kept the result, so this does not run the operation twice). */
    if (rv == CKR_BUFFER_TOO_SMALL && out_len) {
      json_object *q = owk_params_session(session), *r2 = NULL;
      json_object_object_add(q, "op", json_object_new_string(op));
      json_object_object_add(q, "step", json_object_new_string("final"));
      json_object_object_add(q, "outCap", NULL);
      if (owk_session_call("p11.op", q, &r2) == CKR_OK) *out_len = owk_get_ulong(r2, "len", *out_len);
      if (r2) json_object_put(r2);
    }
    return rv;
  }
  if (out_len) {
    CK_ULONG len = owk_get_ulong(res, "len", 0);
    json_object *hex;
    if (out && json_object_object_get_ex(res, "out", &hex)) {
      CK_BYTE *bytes;
      CK_ULONG n;
      rv = owk_get_hex(res, "out", &bytes, &n);
      if (rv == CKR_OK && n > *out_len) rv = CKR_DEVICE_ERROR; /* never past the caller's buffer, whatever the agent says */
      if (rv == CKR_OK) {
        memcpy(out, bytes, n);
        len = n;
      }
      free(bytes);
    }
    *out_len = len;
  }
  json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_SignInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return op_init("sign", s, m, k); }
OWK_EXPORT CK_RV C_Sign(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG_PTR sl) {
  if (!sl) return CKR_ARGUMENTS_BAD;
  return op_step("sign", "single", s, d, dl, NULL, 0, sig, sl);
}
OWK_EXPORT CK_RV C_SignUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl) { return op_step("sign", "update", s, d, dl, NULL, 0, NULL, NULL); }
OWK_EXPORT CK_RV C_SignFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG_PTR sl) {
  if (!sl) return CKR_ARGUMENTS_BAD;
  return op_step("sign", "final", s, NULL, 0, NULL, 0, sig, sl);
}

OWK_EXPORT CK_RV C_VerifyInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return op_init("verify", s, m, k); }
OWK_EXPORT CK_RV C_Verify(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR sig, CK_ULONG sl) {
  if (!sig) return CKR_ARGUMENTS_BAD;
  CK_ULONG none = 0;
  return op_step("verify", "single", s, d, dl, sig, sl, (CK_BYTE_PTR) "", &none);
}
OWK_EXPORT CK_RV C_VerifyUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl) { return op_step("verify", "update", s, d, dl, NULL, 0, NULL, NULL); }
OWK_EXPORT CK_RV C_VerifyFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR sig, CK_ULONG sl) {
  if (!sig) return CKR_ARGUMENTS_BAD;
  CK_ULONG none = 0;
  return op_step("verify", "final", s, NULL, 0, sig, sl, (CK_BYTE_PTR) "", &none);
}

OWK_EXPORT CK_RV C_EncryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return op_init("encrypt", s, m, k); }
OWK_EXPORT CK_RV C_Encrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  return op_step("encrypt", "single", s, d, dl, NULL, 0, out, ol);
}
OWK_EXPORT CK_RV C_EncryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out OWK_UNUSED, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  CK_RV rv = op_step("encrypt", "update", s, d, dl, NULL, 0, NULL, NULL);
  if (rv == CKR_OK) *ol = 0; /* GCM: the whole output comes with C_EncryptFinal */
  return rv;
}
OWK_EXPORT CK_RV C_EncryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  return op_step("encrypt", "final", s, NULL, 0, NULL, 0, out, ol);
}

OWK_EXPORT CK_RV C_DecryptInit(CK_SESSION_HANDLE s, CK_MECHANISM_PTR m, CK_OBJECT_HANDLE k) { return op_init("decrypt", s, m, k); }
OWK_EXPORT CK_RV C_Decrypt(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  return op_step("decrypt", "single", s, d, dl, NULL, 0, out, ol);
}
OWK_EXPORT CK_RV C_DecryptUpdate(CK_SESSION_HANDLE s, CK_BYTE_PTR d, CK_ULONG dl, CK_BYTE_PTR out OWK_UNUSED, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  CK_RV rv = op_step("decrypt", "update", s, d, dl, NULL, 0, NULL, NULL);
  if (rv == CKR_OK) *ol = 0; /* GCM releases plaintext only after the tag checks, at C_DecryptFinal */
  return rv;
}
OWK_EXPORT CK_RV C_DecryptFinal(CK_SESSION_HANDLE s, CK_BYTE_PTR out, CK_ULONG_PTR ol) {
  if (!ol) return CKR_ARGUMENTS_BAD;
  return op_step("decrypt", "final", s, NULL, 0, NULL, 0, out, ol);
}

OWK_EXPORT CK_RV C_DeriveKey(CK_SESSION_HANDLE hSession, CK_MECHANISM_PTR pMechanism, CK_OBJECT_HANDLE hBaseKey, CK_ATTRIBUTE_PTR pTemplate,
                             CK_ULONG ulAttributeCount, CK_OBJECT_HANDLE_PTR phKey) {
  CHECK_INIT();
  if (!pMechanism || !phKey || (!pTemplate && ulAttributeCount)) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession), *mech = NULL, *res = NULL;
  CK_RV rv = mechanism_json(pMechanism, &mech);
  if (rv != CKR_OK) return json_object_put(mech), json_object_put(p), rv;
  json_object_object_add(p, "mechanism", mech);
  owk_set_ulong(p, "key", hBaseKey);
  json_object_object_add(p, "template", owk_template(pTemplate, ulAttributeCount));
  rv = owk_session_call("p11.derive", p, &res);
  if (rv != CKR_OK) return rv;
  *phKey = owk_get_ulong(res, "handle", CK_INVALID_HANDLE);
  json_object_put(res);
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GenerateRandom(CK_SESSION_HANDLE hSession, CK_BYTE_PTR pRandomData, CK_ULONG ulRandomLen) {
  CHECK_INIT();
  if (!pRandomData && ulRandomLen) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession), *res = NULL;
  owk_set_ulong(p, "length", ulRandomLen);
  CK_RV rv = owk_session_call("p11.random", p, &res);
  if (rv != CKR_OK) return rv;
  CK_BYTE *bytes;
  CK_ULONG n;
  rv = owk_get_hex(res, "data", &bytes, &n);
  if (rv == CKR_OK && n != ulRandomLen) rv = CKR_DEVICE_ERROR;
  if (rv == CKR_OK) memcpy(pRandomData, bytes, n);
  free(bytes);
  json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_SessionCancel(CK_SESSION_HANDLE hSession, CK_FLAGS flags) {
  CHECK_INIT();
  static const struct { CK_FLAGS flag; const char *op; } ops[] = {{CKF_SIGN, "sign"}, {CKF_VERIFY, "verify"}, {CKF_ENCRYPT, "encrypt"}, {CKF_DECRYPT, "decrypt"}};
  CK_RV rv = CKR_OK;
  for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]) && rv == CKR_OK; i++)
    if (flags & ops[i].flag) rv = op_init(ops[i].op, hSession, NULL, CK_INVALID_HANDLE);
  return rv;
}
