// RSA PKCS#1 v1.5 signatures over a digest the caller computed (RFC 8017 section 9.2): the DigestInfo is the fixed
// prefix of the hash (RFC 8017 section 9.2, note 1) and the digest; OpenSSL pads it (block type 1) and signs.
// PKCS#11's CKM_RSA_PKCS, which OpenSSH and OpenSSL's pkcs11 engine use, signs exactly this.
import { constants, privateEncrypt, publicDecrypt, timingSafeEqual, type KeyObject } from 'node:crypto';
import { invalid } from './specChecks.js';

const PREFIX: Readonly<Record<string, Buffer>> = {
  sha256: Buffer.from('3031300d060960864801650304020105000420', 'hex'),
  sha384: Buffer.from('3041300d060960864801650304020205000430', 'hex'),
  sha512: Buffer.from('3051300d060960864801650304020305000440', 'hex'),
};

export function digestInfo(hash: string, digest: Uint8Array, digestBytes: number): Buffer {
  const prefix = PREFIX[hash];
  if (!prefix) throw invalid(`no DigestInfo for '${hash}'`);
  if (digest.length !== digestBytes) throw invalid(`a prehashed ${hash} digest must be ${digestBytes} bytes`);
  return Buffer.concat([prefix, digest]);
}

export function signDigestInfo(priv: KeyObject, info: Buffer): Uint8Array {
  return new Uint8Array(privateEncrypt({ key: priv, padding: constants.RSA_PKCS1_PADDING }, info));
}

export function verifyDigestInfo(pub: KeyObject, info: Buffer, signature: Uint8Array): boolean {
  let recovered: Buffer;
  try {
    recovered = publicDecrypt({ key: pub, padding: constants.RSA_PKCS1_PADDING }, signature);
  } catch {
    return false;
  }
  return recovered.length === info.length && timingSafeEqual(recovered, info);
}
