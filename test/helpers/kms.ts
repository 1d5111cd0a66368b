// Test helper: a real KMS child process over a temporary keystore folder.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KmsHost, type KmsHostOptions } from '../../kms-process/client/kmsHost.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';

export const PASSPHRASE = 'correct horse battery staple';

export function tempDir(prefix = 'owkms-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface TestKms {
  host: KmsHost;
  client: ChannelClient;
  dir: string;
  stop(): Promise<void>;
  restart(): Promise<ChannelClient>;
}

export async function startKms(opts: Partial<KmsHostOptions> & { dir?: string } = {}): Promise<TestKms> {
  const dir = opts.dir ?? tempDir();
  const host = await KmsHost.start({ storeDir: dir, callers: ['test'], stderr: 'pipe', ...opts });
  const t: TestKms = {
    host,
    get client() {
      return host.client;
    },
    dir,
    stop: () => host.stop(),
    restart: async () => {
      await host.restart();
      return host.client;
    },
  };
  return t;
}

/** A KMS with an initialized (and so unlocked) passphrase keystore. */
export async function startInitializedKms(opts: Partial<KmsHostOptions> & { dir?: string } = {}): Promise<TestKms> {
  const kms = await startKms(opts);
  await kms.client.call('kms.init', { sealers: [{ kind: 'passphrase', passphrase: PASSPHRASE }] });
  return kms;
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export function b64u(data: string | Uint8Array): string {
  return Buffer.from(data).toString('base64url');
}

export function unb64u(text: string): Buffer {
  return Buffer.from(text, 'base64url');
}

/** Run `fn` and return the KmsError kind it rejects with (or 'resolved'). */
export async function kindOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return (e as { kind?: string }).kind ?? `not a KmsError: ${String(e)}`;
  }
}
