// Keys derived from the master key with HKDF-SHA256, one per purpose, so no key serves two roles.
import { createHmac, hkdfSync } from 'node:crypto';

const PURPOSES = ['key-encryption', 'row-mac', 'audit-chain', 'master-check', 'key-set'] as const;
export type Purpose = (typeof PURPOSES)[number];

export class DerivedKeys {
  private readonly keys = new Map<Purpose, Buffer>();

  constructor(masterKey: Uint8Array, keystoreId: string) {
    for (const p of PURPOSES) {
      this.keys.set(p, Buffer.from(hkdfSync('sha256', masterKey, Buffer.from(keystoreId), `owkms/v1/${p}`, 32)));
    }
  }

  get(p: Purpose): Buffer {
    const k = this.keys.get(p);
    if (!k) throw new Error('derived keys were zeroized');
    return k;
  }

  hmac(p: Purpose, data: Uint8Array): Buffer {
    return createHmac('sha256', this.get(p)).update(data).digest();
  }

  zeroize(): void {
    for (const k of this.keys.values()) k.fill(0);
    this.keys.clear();
  }
}

/** A check value stored beside the sealed copies: proves a combined master key is the right one. */
export function masterCheck(masterKey: Uint8Array, keystoreId: string): Buffer {
  const dk = new DerivedKeys(masterKey, keystoreId);
  try {
    return dk.hmac('master-check', Buffer.from(keystoreId));
  } finally {
    dk.zeroize();
  }
}
