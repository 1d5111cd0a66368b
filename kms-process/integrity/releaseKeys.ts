// The Ed25519 public keys (raw, base64url) whose signature on the release manifest this KMS accepts. In the
// repository the list is empty: a development build verifies nothing and says so. The release build packs a
// generated copy of this file holding the release key (build/releaseKeys.ts), inside the ASAR and covered by the
// manifest; nothing at run time (no variable, no file outside the code) can add a key.
export const RELEASE_PUBLIC_KEYS: readonly string[] = [];
