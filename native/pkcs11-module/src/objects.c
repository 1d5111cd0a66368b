/* Objects: the agent finds them and knows their attributes; this file copies values into the caller's template with
 * PKCS#11's rules (length queries, CKR_BUFFER_TOO_SMALL, sensitive and unknown attributes). */
#include "module.h"

#include <stdlib.h>
#include <string.h>

#define CHECK_INIT() do { if (!owk_initialized()) return CKR_CRYPTOKI_NOT_INITIALIZED; } while (0)

OWK_EXPORT CK_RV C_FindObjectsInit(CK_SESSION_HANDLE hSession, CK_ATTRIBUTE_PTR pTemplate, CK_ULONG ulCount) {
  CHECK_INIT();
  if (!pTemplate && ulCount) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession), *res = NULL;
  json_object_object_add(p, "template", owk_template(pTemplate, ulCount));
  CK_RV rv = owk_session_call("p11.findInit", p, &res);
  if (res) json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_FindObjects(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE_PTR phObject, CK_ULONG ulMaxObjectCount,
                               CK_ULONG_PTR pulObjectCount) {
  CHECK_INIT();
  if (!phObject || !pulObjectCount) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession), *res = NULL;
  owk_set_ulong(p, "max", ulMaxObjectCount);
  CK_RV rv = owk_session_call("p11.find", p, &res);
  if (rv != CKR_OK) return rv;
  json_object *list;
  CK_ULONG n = 0;
  if (json_object_object_get_ex(res, "handles", &list) && json_object_is_type(list, json_type_array)) {
    for (size_t i = 0; i < json_object_array_length(list) && n < ulMaxObjectCount; i++)
      phObject[n++] = (CK_OBJECT_HANDLE)json_object_get_uint64(json_object_array_get_idx(list, i));
  }
  *pulObjectCount = n;
  json_object_put(res);
  return CKR_OK;
}

OWK_EXPORT CK_RV C_FindObjectsFinal(CK_SESSION_HANDLE hSession) {
  CHECK_INIT();
  json_object *res = NULL;
  CK_RV rv = owk_session_call("p11.findFinal", owk_params_session(hSession), &res);
  if (res) json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_GetAttributeValue(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject, CK_ATTRIBUTE_PTR pTemplate,
                                     CK_ULONG ulCount) {
  CHECK_INIT();
  if (!pTemplate && ulCount) return CKR_ARGUMENTS_BAD;
  json_object *p = owk_params_session(hSession), *res = NULL;
  owk_set_ulong(p, "object", hObject);
  json_object *types = json_object_new_array();
  for (CK_ULONG i = 0; i < ulCount; i++) json_object_array_add(types, json_object_new_uint64(pTemplate[i].type));
  json_object_object_add(p, "types", types);
  CK_RV rv = owk_session_call("p11.getAttributes", p, &res);
  if (rv != CKR_OK) return rv;
  json_object *attrs;
  if (!json_object_object_get_ex(res, "attrs", &attrs) || json_object_array_length(attrs) != ulCount) {
    json_object_put(res);
    return CKR_DEVICE_ERROR;
  }
  /* Every attribute is processed; the return value reports one of the problems met (PKCS#11 3.0 section 5.7). */
  for (CK_ULONG i = 0; i < ulCount; i++) {
    json_object *a = json_object_array_get_idx(attrs, i), *err;
    if (json_object_object_get_ex(a, "err", &err)) {
      pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = strcmp(json_object_get_string(err), "sensitive") == 0 ? CKR_ATTRIBUTE_SENSITIVE : CKR_ATTRIBUTE_TYPE_INVALID;
      continue;
    }
    CK_BYTE *value;
    CK_ULONG len;
    CK_RV r = owk_get_hex(a, "v", &value, &len);
    if (r != CKR_OK) {
      json_object_put(res);
      return r;
    }
    if (!pTemplate[i].pValue) pTemplate[i].ulValueLen = len;
    else if (pTemplate[i].ulValueLen < len) {
      pTemplate[i].ulValueLen = CK_UNAVAILABLE_INFORMATION;
      rv = CKR_BUFFER_TOO_SMALL;
    } else {
      memcpy(pTemplate[i].pValue, value, len);
      pTemplate[i].ulValueLen = len;
    }
    free(value);
  }
  json_object_put(res);
  return rv;
}

OWK_EXPORT CK_RV C_DestroyObject(CK_SESSION_HANDLE hSession, CK_OBJECT_HANDLE hObject) {
  CHECK_INIT();
  json_object *p = owk_params_session(hSession), *res = NULL;
  owk_set_ulong(p, "object", hObject);
  CK_RV rv = owk_session_call("p11.destroy", p, &res);
  if (res) json_object_put(res);
  return rv;
}
