/* General, slot, token, session and login functions: each is one call to the agent (C_GetInfo and the slot list
 * excepted, which answer even when no agent runs: the slot is there, its token absent). */
#include "module.h"

#include <stdlib.h>
#include <string.h>

#define CHECK_INIT() do { if (!owk_initialized()) return CKR_CRYPTOKI_NOT_INITIALIZED; } while (0)

/* A session call to an agent that is gone: the token was removed under the session. */
CK_RV owk_session_call(const char *method, json_object *params, json_object **result) {
  CK_RV rv = owk_call(method, params, result);
  return rv == CKR_TOKEN_NOT_PRESENT ? CKR_DEVICE_REMOVED : rv;
}

OWK_EXPORT CK_RV C_Initialize(CK_VOID_PTR pInitArgs) { return owk_initialize(pInitArgs); }

OWK_EXPORT CK_RV C_Finalize(CK_VOID_PTR pReserved) {
  CHECK_INIT();
  if (pReserved) return CKR_ARGUMENTS_BAD;
  return owk_finalize();
}

OWK_EXPORT CK_RV C_GetInfo(CK_INFO_PTR pInfo) {
  CHECK_INIT();
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  memset(pInfo, 0, sizeof(*pInfo));
  pInfo->cryptokiVersion.major = 3;
  pInfo->cryptokiVersion.minor = 0;
  owk_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "OpenWallet Desktop");
  owk_pad(pInfo->libraryDescription, sizeof(pInfo->libraryDescription), "OpenWallet PKCS#11 module");
  pInfo->libraryVersion.major = 0;
  pInfo->libraryVersion.minor = 1;
  return CKR_OK;
}

static int token_present(void) {
  json_object *res = NULL;
  if (owk_call("p11.slotInfo", json_object_new_object(), &res) != CKR_OK) return 0;
  json_object *v;
  int present = json_object_object_get_ex(res, "tokenPresent", &v) && json_object_get_boolean(v);
  json_object_put(res);
  return present;
}

OWK_EXPORT CK_RV C_GetSlotList(CK_BBOOL tokenPresent, CK_SLOT_ID_PTR pSlotList, CK_ULONG_PTR pulCount) {
  CHECK_INIT();
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  CK_ULONG n = (!tokenPresent || token_present()) ? 1 : 0;
  if (pSlotList) {
    if (*pulCount < n) return *pulCount = n, CKR_BUFFER_TOO_SMALL;
    if (n) pSlotList[0] = OWK_SLOT_ID;
  }
  *pulCount = n;
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GetSlotInfo(CK_SLOT_ID slotID, CK_SLOT_INFO_PTR pInfo) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  memset(pInfo, 0, sizeof(*pInfo));
  owk_pad(pInfo->slotDescription, sizeof(pInfo->slotDescription), "OpenWallet agent");
  owk_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), "OpenWallet Desktop");
  /* Removable: the token is there while the agent runs with the wallet unlocked. */
  pInfo->flags = CKF_REMOVABLE_DEVICE | (token_present() ? CKF_TOKEN_PRESENT : 0);
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GetTokenInfo(CK_SLOT_ID slotID, CK_TOKEN_INFO_PTR pInfo) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  json_object *res = NULL;
  CK_RV rv = owk_call("p11.tokenInfo", json_object_new_object(), &res);
  if (rv != CKR_OK) return rv;
  memset(pInfo, 0, sizeof(*pInfo));
  json_object *v;
  owk_pad(pInfo->label, sizeof(pInfo->label), json_object_object_get_ex(res, "label", &v) ? json_object_get_string(v) : "");
  owk_pad(pInfo->manufacturerID, sizeof(pInfo->manufacturerID), json_object_object_get_ex(res, "manufacturer", &v) ? json_object_get_string(v) : "");
  owk_pad(pInfo->model, sizeof(pInfo->model), json_object_object_get_ex(res, "model", &v) ? json_object_get_string(v) : "");
  owk_pad(pInfo->serialNumber, sizeof(pInfo->serialNumber), json_object_object_get_ex(res, "serial", &v) ? json_object_get_string(v) : "");
  pInfo->flags = owk_get_ulong(res, "flags", 0);
  pInfo->ulMaxSessionCount = owk_get_ulong(res, "maxSessions", CK_EFFECTIVELY_INFINITE);
  pInfo->ulSessionCount = owk_get_ulong(res, "sessions", CK_UNAVAILABLE_INFORMATION);
  pInfo->ulMaxRwSessionCount = owk_get_ulong(res, "maxSessions", CK_EFFECTIVELY_INFINITE);
  pInfo->ulRwSessionCount = owk_get_ulong(res, "rwSessions", CK_UNAVAILABLE_INFORMATION);
  pInfo->ulMaxPinLen = owk_get_ulong(res, "maxPin", 64);
  pInfo->ulMinPinLen = owk_get_ulong(res, "minPin", 4);
  pInfo->ulTotalPublicMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulFreePublicMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulTotalPrivateMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->ulFreePrivateMemory = CK_UNAVAILABLE_INFORMATION;
  pInfo->hardwareVersion.major = 0;
  pInfo->firmwareVersion.major = 0;
  pInfo->firmwareVersion.minor = 1;
  json_object_put(res);
  return CKR_OK;
}

/* The mechanism table lives in the agent (agent/pkcs11/p11Mechanisms.ts). */
static CK_RV mechanisms(json_object **list) {
  json_object *res = NULL;
  CK_RV rv = owk_call("p11.mechanisms", json_object_new_object(), &res);
  if (rv != CKR_OK) return rv;
  json_object *l;
  if (!json_object_object_get_ex(res, "list", &l) || !json_object_is_type(l, json_type_array)) return json_object_put(res), CKR_DEVICE_ERROR;
  *list = json_object_get(l);
  json_object_put(res);
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GetMechanismList(CK_SLOT_ID slotID, CK_MECHANISM_TYPE_PTR pMechanismList, CK_ULONG_PTR pulCount) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  json_object *list;
  CK_RV rv = mechanisms(&list);
  if (rv != CKR_OK) return rv;
  CK_ULONG n = (CK_ULONG)json_object_array_length(list);
  if (pMechanismList && *pulCount < n) rv = CKR_BUFFER_TOO_SMALL;
  else if (pMechanismList)
    for (CK_ULONG i = 0; i < n; i++) pMechanismList[i] = owk_get_ulong(json_object_array_get_idx(list, i), "type", 0);
  *pulCount = n;
  json_object_put(list);
  return rv;
}

OWK_EXPORT CK_RV C_GetMechanismInfo(CK_SLOT_ID slotID, CK_MECHANISM_TYPE type, CK_MECHANISM_INFO_PTR pInfo) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  json_object *list;
  CK_RV rv = mechanisms(&list);
  if (rv != CKR_OK) return rv;
  rv = CKR_MECHANISM_INVALID;
  for (size_t i = 0; i < json_object_array_length(list); i++) {
    json_object *m = json_object_array_get_idx(list, i);
    if (owk_get_ulong(m, "type", 0) != type) continue;
    pInfo->ulMinKeySize = owk_get_ulong(m, "min", 0);
    pInfo->ulMaxKeySize = owk_get_ulong(m, "max", 0);
    pInfo->flags = owk_get_ulong(m, "flags", 0);
    rv = CKR_OK;
    break;
  }
  json_object_put(list);
  return rv;
}

OWK_EXPORT CK_RV C_OpenSession(CK_SLOT_ID slotID, CK_FLAGS flags, CK_VOID_PTR pApplication OWK_UNUSED, CK_NOTIFY Notify OWK_UNUSED,
                               CK_SESSION_HANDLE_PTR phSession) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  if (!phSession) return CKR_ARGUMENTS_BAD;
  json_object *p = json_object_new_object(), *res = NULL;
  owk_set_ulong(p, "flags", flags);
  CK_RV rv = owk_call("p11.openSession", p, &res);
  if (rv != CKR_OK) return rv;
  *phSession = owk_get_ulong(res, "session", CK_INVALID_HANDLE);
  json_object_put(res);
  return CKR_OK;
}

static CK_RV simple(const char *method, json_object *params) {
  json_object *res = NULL;
  CK_RV rv = owk_session_call(method, params, &res);
  if (res) json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_CloseSession(CK_SESSION_HANDLE hSession) {
  CHECK_INIT();
  return simple("p11.closeSession", owk_params_session(hSession));
}

OWK_EXPORT CK_RV C_CloseAllSessions(CK_SLOT_ID slotID) {
  CHECK_INIT();
  if (slotID != OWK_SLOT_ID) return CKR_SLOT_ID_INVALID;
  CK_RV rv = simple("p11.closeAllSessions", json_object_new_object());
  return rv == CKR_DEVICE_REMOVED ? CKR_OK : rv; /* no agent: no sessions left to close */
}

OWK_EXPORT CK_RV C_GetSessionInfo(CK_SESSION_HANDLE hSession, CK_SESSION_INFO_PTR pInfo) {
  CHECK_INIT();
  if (!pInfo) return CKR_ARGUMENTS_BAD;
  json_object *res = NULL;
  CK_RV rv = owk_session_call("p11.sessionInfo", owk_params_session(hSession), &res);
  if (rv != CKR_OK) return rv;
  pInfo->slotID = OWK_SLOT_ID;
  pInfo->state = owk_get_ulong(res, "state", CKS_RO_PUBLIC_SESSION);
  pInfo->flags = owk_get_ulong(res, "flags", CKF_SERIAL_SESSION);
  pInfo->ulDeviceError = 0;
  json_object_put(res);
  return CKR_OK;
}

OWK_EXPORT CK_RV C_Login(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen) {
  CHECK_INIT();
  if (!pPin && ulPinLen) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession);
  owk_set_ulong(p, "userType", userType);
  owk_set_hex(p, "pin", pPin ? pPin : (CK_UTF8CHAR_PTR) "", pPin ? ulPinLen : 0);
  return simple("p11.login", p);
}

OWK_EXPORT CK_RV C_LoginUser(CK_SESSION_HANDLE hSession, CK_USER_TYPE userType, CK_UTF8CHAR_PTR pPin, CK_ULONG ulPinLen,
                             CK_UTF8CHAR_PTR pUsername, CK_ULONG ulUsernameLen) {
  CHECK_INIT();
  /* One user per token here: a user name is not something this token knows. */
  if (pUsername && ulUsernameLen) return CKR_USER_TYPE_INVALID;
  return C_Login(hSession, userType, pPin, ulPinLen);
}

OWK_EXPORT CK_RV C_Logout(CK_SESSION_HANDLE hSession) {
  CHECK_INIT();
  return simple("p11.logout", owk_params_session(hSession));
}
