// The KMIP tags and enumeration values this client speaks (numbers from the KMIP 1.4 and 2.0 specifications).

export const TAG = {
  ActivationDate: 0x420001,
  Attribute: 0x420008,
  AttributeName: 0x42000a,
  AttributeValue: 0x42000b,
  BatchCount: 0x42000d,
  BatchItem: 0x42000f,
  BlockCipherMode: 0x420011,
  CryptographicAlgorithm: 0x420028,
  CryptographicLength: 0x42002a,
  CryptographicParameters: 0x42002b,
  CryptographicUsageMask: 0x42002c,
  HashingAlgorithm: 0x420038,
  IvCounterNonce: 0x42003d,
  KeyBlock: 0x420040,
  KeyFormatType: 0x420042,
  KeyMaterial: 0x420043,
  KeyValue: 0x420045,
  MaximumItems: 0x42004f,
  Modulus: 0x420052,
  Name: 0x420053,
  NameType: 0x420054,
  NameValue: 0x420055,
  ObjectType: 0x420057,
  Operation: 0x42005c,
  PaddingMethod: 0x42005f,
  PrivateKeyTemplateAttribute: 0x420065,
  PrivateKeyUniqueIdentifier: 0x420066,
  ProtocolVersion: 0x420069,
  ProtocolVersionMajor: 0x42006a,
  ProtocolVersionMinor: 0x42006b,
  PublicExponent: 0x42006c,
  PublicKey: 0x42006d,
  PublicKeyTemplateAttribute: 0x42006e,
  PublicKeyUniqueIdentifier: 0x42006f,
  QueryFunction: 0x420074,
  RecommendedCurve: 0x420075,
  RequestHeader: 0x420077,
  RequestMessage: 0x420078,
  RequestPayload: 0x420079,
  ResponseHeader: 0x42007a,
  ResponseMessage: 0x42007b,
  ResponsePayload: 0x42007c,
  ResultMessage: 0x42007d,
  ResultReason: 0x42007e,
  ResultStatus: 0x42007f,
  RevocationMessage: 0x420080,
  RevocationReason: 0x420081,
  RevocationReasonCode: 0x420082,
  ServerInformation: 0x420088,
  State: 0x42008d,
  SymmetricKey: 0x42008f,
  TemplateAttribute: 0x420091,
  TimeStamp: 0x420092,
  UniqueBatchItemId: 0x420093,
  UniqueIdentifier: 0x420094,
  ValidityIndicator: 0x42009b,
  VendorIdentification: 0x42009d,
  Data: 0x4200c2,
  SignatureData: 0x4200c3,
  MacData: 0x4200c6,
  TagLength: 0x4200ce,
  AuthenticatedEncryptionAdditionalData: 0x4200fe,
  AuthenticatedEncryptionTag: 0x4200ff,
  SaltLength: 0x420100,
  // KMIP 2.0: attributes are sent as their own tagged values inside these structures.
  Attributes: 0x420125,
  CommonAttributes: 0x420126,
  PrivateKeyAttributes: 0x420127,
  PublicKeyAttributes: 0x420128,
  AttributeReference: 0x42013b,
} as const;

export const OPERATION = {
  Create: 0x01,
  CreateKeyPair: 0x02,
  Register: 0x03,
  Locate: 0x08,
  Get: 0x0a,
  GetAttributes: 0x0b,
  Activate: 0x12,
  Revoke: 0x13,
  Destroy: 0x14,
  Query: 0x18,
  DiscoverVersions: 0x1e,
  Encrypt: 0x1f,
  Decrypt: 0x20,
  Sign: 0x21,
  SignatureVerify: 0x22,
  Mac: 0x23,
} as const;
export type KmipOperation = keyof typeof OPERATION;

export const OBJECT_TYPE = { SymmetricKey: 0x02, PublicKey: 0x03, PrivateKey: 0x04 } as const;

export const CRYPTO_ALGORITHM = {
  AES: 0x03,
  RSA: 0x04,
  ECDSA: 0x06,
  HMAC_SHA256: 0x09,
  HMAC_SHA384: 0x0a,
  HMAC_SHA512: 0x0b,
  EC: 0x1a,
} as const;

export const BLOCK_CIPHER_MODE = { CBC: 0x01, CTR: 0x06, GCM: 0x09 } as const;
export const PADDING_METHOD = { None: 0x01, OAEP: 0x02, PKCS5: 0x03, PKCS1v15: 0x08, PSS: 0x0a } as const;
export const HASHING_ALGORITHM = { SHA256: 0x06, SHA384: 0x07, SHA512: 0x08 } as const;
export const RECOMMENDED_CURVE = { P256: 0x07, P384: 0x0a, P521: 0x0d } as const;
export const KEY_FORMAT_TYPE = { Raw: 0x01, PKCS1: 0x03, PKCS8: 0x04, X509: 0x05, TransparentRsaPublicKey: 0x0b } as const;
export const USAGE_MASK = { Sign: 0x01, Verify: 0x02, Encrypt: 0x04, Decrypt: 0x08, MacGenerate: 0x80, MacVerify: 0x100 } as const;
export const VALIDITY = { Valid: 0x01, Invalid: 0x02, Unknown: 0x03 } as const;
export const QUERY_FUNCTION = { Operations: 0x01, Objects: 0x02, ServerInformation: 0x03 } as const;
export const REVOCATION_REASON = { Unspecified: 0x01, KeyCompromise: 0x02, CessationOfOperation: 0x06 } as const;
export const RESULT_STATUS = { Success: 0x00, OperationFailed: 0x01, OperationPending: 0x02, OperationUndone: 0x03 } as const;

/** Result Reason names for error messages (KMIP 1.4 section 9.1.3.2.29, 2.0 section 11.32). */
export const RESULT_REASON: Readonly<Record<number, string>> = {
  0x01: 'Item Not Found',
  0x02: 'Response Too Large',
  0x03: 'Authentication Not Successful',
  0x04: 'Invalid Message',
  0x05: 'Operation Not Supported',
  0x06: 'Missing Data',
  0x07: 'Invalid Field',
  0x08: 'Feature Not Supported',
  0x09: 'Operation Canceled By Requester',
  0x0a: 'Cryptographic Failure',
  0x0b: 'Illegal Operation',
  0x0c: 'Permission Denied',
  0x0d: 'Object Archived',
  0x0e: 'Index Out Of Bounds',
  0x10: 'Key Format Type Not Supported',
  0x11: 'Key Compression Type Not Supported',
  0x13: 'Key Value Not Present',
  0x16: 'Sensitive',
  0x17: 'Not Extractable',
  0x18: 'Object Already Exists',
  0x24: 'Bad Cryptographic Parameters',
  0x2a: 'Internal Server Error',
  0x3e: 'Unsupported Cryptographic Parameters',
  0x100: 'General Failure',
};
