// `owkms serve --webkms [--port N] --controller DID...`: the WebKMS service on 127.0.0.1 until SIGINT or SIGTERM.
// Off unless asked for; only the listed controllers may create keystores; every keystore answers to its own
// controller and whoever it delegates to.
import { join } from 'node:path';
import { KmsError } from '../../kms-process/api/index.js';
import { controllerDid } from '../../kms-process/api/webkmsMethods.js';
import type { ChannelClient } from '../../kms-process/client/channelClient.js';
import { tlsIdentity } from './tlsIdentity.js';
import { startWebKms } from './webkmsServer.js';

export const SERVE_OPTIONS = ['webkms', 'port', 'controller'];

export async function runServe(kms: ChannelClient, o: { storeDir: string; port?: string | undefined; controllers: string[]; json: boolean }): Promise<void> {
  const port = o.port === undefined ? 0 : Number(o.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new KmsError('INVALID_REQUEST', '--port must be 0-65535');
  if (o.controllers.length === 0) throw new KmsError('INVALID_REQUEST', '--controller DID is required: the did:key allowed to create keystores');
  for (const c of o.controllers) if (!controllerDid.safeParse(c).success) throw new KmsError('INVALID_REQUEST', `--controller ${c.slice(0, 80)} is not a did:key`);
  const tls = await tlsIdentity(join(o.storeDir, 'webkms'));
  const service = await startWebKms({ kms, tls, port, admins: o.controllers });
  const info = { url: service.url, keystores: `${service.url}/kms/keystores`, certificate: tls.certPath, fingerprint256: tls.fingerprint256 };
  process.stdout.write(o.json ? `${JSON.stringify(info)}\n` : `WebKMS on ${info.keystores}\ncertificate ${info.certificate}\nSHA-256 ${info.fingerprint256}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await service.close();
}
