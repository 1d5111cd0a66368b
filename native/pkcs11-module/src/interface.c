/* The entry points: C_GetFunctionList (2.40), C_GetInterfaceList and C_GetInterface (3.0), and the functions this
 * token does not offer (no token management, no object creation, no digests, no key generation or wrapping: keys are
 * made and moved in the wallet itself; no message-based API). */
#include "module.h"

#include <string.h>

#define CHECK_INIT() do { if (!owk_initialized()) return CKR_CRYPTOKI_NOT_INITIALIZED; } while (0)
#define NOT_SUPPORTED { CHECK_INIT(); return CKR_FUNCTION_NOT_SUPPORTED; }
#define U OWK_UNUSED

OWK_EXPORT CK_RV C_InitToken(CK_SLOT_ID a U, CK_UTF8CHAR_PTR b U, CK_ULONG c U, CK_UTF8CHAR_PTR d U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_InitPIN(CK_SESSION_HANDLE a U, CK_UTF8CHAR_PTR b U, CK_ULONG c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SetPIN(CK_SESSION_HANDLE a U, CK_UTF8CHAR_PTR b U, CK_ULONG c U, CK_UTF8CHAR_PTR d U, CK_ULONG e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_GetOperationState(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG_PTR c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SetOperationState(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_OBJECT_HANDLE d U, CK_OBJECT_HANDLE e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_CreateObject(CK_SESSION_HANDLE a U, CK_ATTRIBUTE_PTR b U, CK_ULONG c U, CK_OBJECT_HANDLE_PTR d U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_CopyObject(CK_SESSION_HANDLE a U, CK_OBJECT_HANDLE b U, CK_ATTRIBUTE_PTR c U, CK_ULONG d U, CK_OBJECT_HANDLE_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_GetObjectSize(CK_SESSION_HANDLE a U, CK_OBJECT_HANDLE b U, CK_ULONG_PTR c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SetAttributeValue(CK_SESSION_HANDLE a U, CK_OBJECT_HANDLE b U, CK_ATTRIBUTE_PTR c U, CK_ULONG d U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DigestInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_Digest(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DigestUpdate(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DigestKey(CK_SESSION_HANDLE a U, CK_OBJECT_HANDLE b U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DigestFinal(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG_PTR c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignRecoverInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignRecover(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_VerifyRecoverInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_VerifyRecover(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DigestEncryptUpdate(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DecryptDigestUpdate(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignEncryptUpdate(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DecryptVerifyUpdate(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_GenerateKey(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_ATTRIBUTE_PTR c U, CK_ULONG d U, CK_OBJECT_HANDLE_PTR e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_GenerateKeyPair(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_ATTRIBUTE_PTR c U, CK_ULONG d U, CK_ATTRIBUTE_PTR e U,
                                   CK_ULONG f U, CK_OBJECT_HANDLE_PTR g U, CK_OBJECT_HANDLE_PTR h U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_WrapKey(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U, CK_OBJECT_HANDLE d U, CK_BYTE_PTR e U,
                           CK_ULONG_PTR f U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_UnwrapKey(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U, CK_BYTE_PTR d U, CK_ULONG e U,
                             CK_ATTRIBUTE_PTR f U, CK_ULONG g U, CK_OBJECT_HANDLE_PTR h U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_WaitForSlotEvent(CK_FLAGS a U, CK_SLOT_ID_PTR b U, CK_VOID_PTR c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SeedRandom(CK_SESSION_HANDLE a U, CK_BYTE_PTR b U, CK_ULONG c U) {
  CHECK_INIT();
  return CKR_RANDOM_SEED_NOT_SUPPORTED;
}
OWK_EXPORT CK_RV C_GetFunctionStatus(CK_SESSION_HANDLE a U) {
  CHECK_INIT();
  return CKR_FUNCTION_NOT_PARALLEL;
}
OWK_EXPORT CK_RV C_CancelFunction(CK_SESSION_HANDLE a U) {
  CHECK_INIT();
  return CKR_FUNCTION_NOT_PARALLEL;
}

/* PKCS#11 3.0 message-based functions: not offered. */
OWK_EXPORT CK_RV C_MessageEncryptInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_EncryptMessage(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                  CK_ULONG g U, CK_BYTE_PTR h U, CK_ULONG_PTR i U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_EncryptMessageBegin(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_EncryptMessageNext(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                      CK_ULONG_PTR g U, CK_FLAGS h U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageEncryptFinal(CK_SESSION_HANDLE a U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageDecryptInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DecryptMessage(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                  CK_ULONG g U, CK_BYTE_PTR h U, CK_ULONG_PTR i U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DecryptMessageBegin(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_DecryptMessageNext(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                      CK_ULONG_PTR g U, CK_FLAGS h U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageDecryptFinal(CK_SESSION_HANDLE a U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageSignInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignMessage(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                               CK_ULONG_PTR g U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignMessageBegin(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_SignMessageNext(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                   CK_ULONG_PTR g U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageSignFinal(CK_SESSION_HANDLE a U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageVerifyInit(CK_SESSION_HANDLE a U, CK_MECHANISM_PTR b U, CK_OBJECT_HANDLE c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_VerifyMessage(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                 CK_ULONG g U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_VerifyMessageBegin(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_VerifyMessageNext(CK_SESSION_HANDLE a U, CK_VOID_PTR b U, CK_ULONG c U, CK_BYTE_PTR d U, CK_ULONG e U, CK_BYTE_PTR f U,
                                     CK_ULONG g U) NOT_SUPPORTED
OWK_EXPORT CK_RV C_MessageVerifyFinal(CK_SESSION_HANDLE a U) NOT_SUPPORTED

#define V2_FUNCTIONS                                                                                                     \
  C_Initialize, C_Finalize, C_GetInfo, C_GetFunctionList, C_GetSlotList, C_GetSlotInfo, C_GetTokenInfo,                   \
      C_GetMechanismList, C_GetMechanismInfo, C_InitToken, C_InitPIN, C_SetPIN, C_OpenSession, C_CloseSession,            \
      C_CloseAllSessions, C_GetSessionInfo, C_GetOperationState, C_SetOperationState, C_Login, C_Logout, C_CreateObject,  \
      C_CopyObject, C_DestroyObject, C_GetObjectSize, C_GetAttributeValue, C_SetAttributeValue, C_FindObjectsInit,        \
      C_FindObjects, C_FindObjectsFinal, C_EncryptInit, C_Encrypt, C_EncryptUpdate, C_EncryptFinal, C_DecryptInit,        \
      C_Decrypt, C_DecryptUpdate, C_DecryptFinal, C_DigestInit, C_Digest, C_DigestUpdate, C_DigestKey, C_DigestFinal,     \
      C_SignInit, C_Sign, C_SignUpdate, C_SignFinal, C_SignRecoverInit, C_SignRecover, C_VerifyInit, C_Verify,            \
      C_VerifyUpdate, C_VerifyFinal, C_VerifyRecoverInit, C_VerifyRecover, C_DigestEncryptUpdate, C_DecryptDigestUpdate, \
      C_SignEncryptUpdate, C_DecryptVerifyUpdate, C_GenerateKey, C_GenerateKeyPair, C_WrapKey, C_UnwrapKey, C_DeriveKey,  \
      C_SeedRandom, C_GenerateRandom, C_GetFunctionStatus, C_CancelFunction, C_WaitForSlotEvent

CK_FUNCTION_LIST owk_functions_240 = {{2, 40}, V2_FUNCTIONS};

static CK_FUNCTION_LIST_3_0 functions_30 = {
    {3, 0}, V2_FUNCTIONS, C_GetInterfaceList, C_GetInterface, C_LoginUser, C_SessionCancel, C_MessageEncryptInit,
    C_EncryptMessage, C_EncryptMessageBegin, C_EncryptMessageNext, C_MessageEncryptFinal, C_MessageDecryptInit,
    C_DecryptMessage, C_DecryptMessageBegin, C_DecryptMessageNext, C_MessageDecryptFinal, C_MessageSignInit,
    C_SignMessage, C_SignMessageBegin, C_SignMessageNext, C_MessageSignFinal, C_MessageVerifyInit, C_VerifyMessage,
    C_VerifyMessageBegin, C_VerifyMessageNext, C_MessageVerifyFinal};

static CK_INTERFACE interfaces[] = {
    {(char *)"PKCS 11", &functions_30, 0},
    {(char *)"PKCS 11", &owk_functions_240, 0},
};
#define INTERFACE_COUNT (sizeof(interfaces) / sizeof(interfaces[0]))

/* Callable before C_Initialize (PKCS#11 3.0 section 5.4): they only hand out static tables. */
OWK_EXPORT CK_RV C_GetFunctionList(CK_FUNCTION_LIST_PTR_PTR ppFunctionList) {
  if (!ppFunctionList) return CKR_ARGUMENTS_BAD;
  *ppFunctionList = &owk_functions_240;
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GetInterfaceList(CK_INTERFACE_PTR pInterfacesList, CK_ULONG_PTR pulCount) {
  if (!pulCount) return CKR_ARGUMENTS_BAD;
  if (!pInterfacesList) return *pulCount = INTERFACE_COUNT, CKR_OK;
  if (*pulCount < INTERFACE_COUNT) return *pulCount = INTERFACE_COUNT, CKR_BUFFER_TOO_SMALL;
  memcpy(pInterfacesList, interfaces, sizeof(interfaces));
  *pulCount = INTERFACE_COUNT;
  return CKR_OK;
}

OWK_EXPORT CK_RV C_GetInterface(CK_UTF8CHAR_PTR pInterfaceName, CK_VERSION_PTR pVersion, CK_INTERFACE_PTR_PTR ppInterface, CK_FLAGS flags) {
  if (!ppInterface) return CKR_ARGUMENTS_BAD;
  for (size_t i = 0; i < INTERFACE_COUNT; i++) {
    CK_VERSION *v = (CK_VERSION *)interfaces[i].pFunctionList; /* every function list starts with its version */
    if (pInterfaceName && strcmp((const char *)pInterfaceName, interfaces[i].pInterfaceName) != 0) continue;
    if (pVersion && (pVersion->major != v->major || pVersion->minor != v->minor)) continue;
    if ((flags & interfaces[i].flags) != flags) continue;
    *ppInterface = &interfaces[i];
    return CKR_OK;
  }
  return CKR_ARGUMENTS_BAD;
}
