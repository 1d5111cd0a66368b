// Size limits of the protocol: anything larger is INVALID_REQUEST before it reaches a handler.

/** One JSON-RPC message as text (a request, or a batch of them), on every transport, checked before parsing. */
export const MAX_MESSAGE_BYTES = 8 * 1024 * 1024;
/** What a parent accepts from the KMS in one message (a page of large public keys, a 4 MiB plaintext). */
export const MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
/** Data to sign, encrypt or mac in one request (base64url text of up to 4 MiB of bytes). */
export const MAX_DATA_BYTES = 4 * 1024 * 1024;
/** Labels, ids, paths and other short strings. */
export const MAX_SHORT_STRING = 256;
/** JWK, PEM-less DER and other key encodings (base64url text). */
export const MAX_KEY_STRING = 64 * 1024;
/** Passphrases and PINs (characters). */
export const MAX_SECRET_STRING = 1024;
/** Items in one crypto.batch. */
export const MAX_BATCH_ITEMS = 1024;
/** Nesting depth of a JSON value anywhere in a message. */
export const MAX_JSON_DEPTH = 32;
/** Page size of keys.list and audit.list. */
export const MAX_PAGE = 1000;
/** crypto.random. */
export const MAX_RANDOM_BYTES = 65536;
/** The longest backup file (kms.backup / kms.restore): its base64url text must fit one request (MAX_MESSAGE_BYTES). */
export const MAX_BACKUP_BYTES = 6_000_000;
