// node:crypto's sign on libuv's thread pool (the callback form), so a KMS with many requests in flight signs on
// both cores while its main thread parses, checks and answers.
import { sign, type KeyLike, type SignKeyObjectInput, type SignPrivateKeyInput } from 'node:crypto';

export function nodeSignAsync(
  algorithm: string | null | undefined,
  data: Uint8Array,
  key: KeyLike | SignKeyObjectInput | SignPrivateKeyInput,
): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    sign(algorithm, data, key, (err, signature) => (err ? reject(err) : resolve(new Uint8Array(signature))));
  });
}
