// The protocol contract (DESIGN.md section 2): the only part of kms-process that main, cli and renderer import.
export * from './errors.js';
export * from './limits.js';
export * from './bytes.js';
export * from './common.js';
export * from './rpc.js';
export * from './wellFormed.js';
export * from './methods.js';
export * from './channelProtocol.js';
export * from './outbox.js';
export { sealerKind, sealerEnrolment, type SealerEnrolment, type SealerKind, type SandboxStatus, type IntegrityStatus } from './kmsMethods.js';
export { auditEntry, type AuditEntry } from './auditMethods.js';
export { PKCS11_PIN_MIN, PKCS11_PIN_MAX } from './pkcs11Methods.js';
export { ethTransaction, typedData, MAX_ETH_DATA_BYTES, type EthTransaction, type TypedDataInput } from './ethereumMethods.js';
