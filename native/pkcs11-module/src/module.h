/* The wallet's PKCS#11 module: shared declarations. The module keeps no state of its own beyond the connection to
 * the agent; sessions, objects and operations live in the agent (agent/pkcs11/ in TypeScript). */
#ifndef OWKMS_PKCS11_MODULE_H
#define OWKMS_PKCS11_MODULE_H

#include <pkcs11.h>
#include <json-c/json.h>

#define OWK_EXPORT __attribute__((visibility("default")))
#define OWK_UNUSED __attribute__((unused))
#define OWK_SLOT_ID 1

/* Module life cycle (rpc.c). */
CK_RV owk_initialize(CK_VOID_PTR args);
CK_RV owk_finalize(void);
int owk_initialized(void);

/* One call to the agent: `params` is consumed; on CKR_OK (the agent's own rv) *result holds the answer (put it). A
 * missing agent is CKR_TOKEN_NOT_PRESENT, a lost or silent one CKR_DEVICE_REMOVED / CKR_DEVICE_ERROR. */
CK_RV owk_call(const char *method, json_object *params, json_object **result);
/* The same for calls on a session: a missing agent is CKR_DEVICE_REMOVED there (module.c). */
CK_RV owk_session_call(const char *method, json_object *params, json_object **result);

/* JSON helpers (rpc.c). Bytes travel as hex. */
json_object *owk_params_session(CK_SESSION_HANDLE session);
void owk_set_ulong(json_object *o, const char *key, CK_ULONG v);
void owk_set_hex(json_object *o, const char *key, const CK_BYTE *data, CK_ULONG len);
CK_ULONG owk_get_ulong(json_object *o, const char *key, CK_ULONG dflt);
/* A hex member decoded into a new buffer (free it); CKR_DEVICE_ERROR when absent or malformed. */
CK_RV owk_get_hex(json_object *o, const char *key, CK_BYTE **data, CK_ULONG *len);
json_object *owk_template(CK_ATTRIBUTE_PTR tmpl, CK_ULONG count);
/* Space-padded fixed-size PKCS#11 string. */
void owk_pad(CK_UTF8CHAR *dst, size_t size, const char *src);

/* The function tables (interface.c). */
extern CK_FUNCTION_LIST owk_functions_240;

#endif
