// The KMIP side of a running KMS: one client (and its connection pool) per remote, built on first use from the
// keystore's remotes table (the client key decrypted then), dropped when the remote is removed and at lock.
import { DEFAULT_LIMITS } from './kmipPool.js';
import { KmipClient } from './kmipClient.js';
import { KmipProvider } from './kmipProvider.js';
import type { RemoteTable } from '../../keystore/remoteTable.js';

export class KmipRuntime {
  private readonly clients = new Map<string, KmipClient>();
  readonly provider: KmipProvider;

  constructor(private readonly remotes: () => RemoteTable) {
    this.provider = new KmipProvider((name) => this.client(name));
  }

  client(name: string): KmipClient {
    let c = this.clients.get(name);
    if (!c) {
      const r = this.remotes().get(name);
      const [major, minor] = (r.options.maxVersion ?? '').split('.').map(Number);
      c = new KmipClient(
        { host: r.host, port: r.port, ca: r.ca, cert: r.cert, key: r.key },
        {
          maxVersion: major === undefined || minor === undefined || Number.isNaN(major) ? undefined : { major, minor },
          limits: { ...DEFAULT_LIMITS, requestMs: r.options.timeoutMs ?? DEFAULT_LIMITS.requestMs, connectMs: Math.min(DEFAULT_LIMITS.connectMs, r.options.timeoutMs ?? DEFAULT_LIMITS.connectMs) },
        },
      );
      this.clients.set(name, c);
    }
    return c;
  }

  forget(name: string): void {
    this.clients.get(name)?.close();
    this.clients.delete(name);
  }

  /** At lock: every connection closes and no client keeps a decrypted client key. */
  closeAll(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }
}
