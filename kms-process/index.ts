// The KMS process entry. The same file is forked by Electron (utilityProcess), by Node (child_process.fork) and
// spawned with stdio by the CLI; it picks its transport at start and serves one authenticated parent.
import { isAbsolute } from 'node:path';
import { parseArgs } from 'node:util';
import { hardenProcess } from '../native/harden/index.js';
import { CHANNEL_TOKEN_ENV, type Port } from './api/channelProtocol.js';
import { KMS_VERSION } from './api/version.js';
import type { Dispatcher } from './dispatcher.js';
import type { KmsContext } from './kmsContext.js';
import { ChannelServer } from './transport/channelServer.js';
import { electronParentPort, forkPipePort } from './transport/processPorts.js';
import { streamPort } from './client/lineStreamPort.js';
import { sandboxKms } from './sandbox/kmsSandbox.js';

const USAGE =
  'usage: kms-process --store DIR [--transport auto|electron|ipc|stdio] [--holder NAME] [--key-cache-ms N]\n' +
  '                   [--allow-tcti TCTI]... [--allow-connect HOST:PORT]... [--allow-write DIR]... [--no-sandbox]';
const ENDPOINT = /^[A-Za-z0-9.:[\]-]{1,253}:\d{1,5}$/;

function fail(message: string): never {
  process.stderr.write(`owkms-kms: ${message}\n${USAGE}\n`);
  process.exit(64);
}

function pickPort(kind: string): Port {
  const port =
    kind === 'electron' ? electronParentPort()
    : kind === 'ipc' ? forkPipePort()
    : kind === 'stdio' ? streamPort(process.stdin, process.stdout)
    : (electronParentPort() ?? streamPort(process.stdin, process.stdout));
  if (!port) fail(`transport '${kind}' is not available in this process`);
  return port;
}

function main(): void {
  // First, before any secret exists in this process: no core dumps, no same-user ptrace (Linux), deny attach (macOS).
  const hardening = hardenProcess();
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        store: { type: 'string' },
        transport: { type: 'string', default: 'auto' },
        holder: { type: 'string', default: 'kms' },
        'key-cache-ms': { type: 'string', default: '60000' },
        'allow-tcti': { type: 'string', multiple: true, default: [] },
        'allow-connect': { type: 'string', multiple: true, default: [] },
        'allow-write': { type: 'string', multiple: true, default: [] },
        'no-sandbox': { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  const token = process.env[CHANNEL_TOKEN_ENV];
  delete process.env[CHANNEL_TOKEN_ENV]; // nothing later in this process (or its children) can read it
  if (!token || token.length < 32) fail(`no channel token in ${CHANNEL_TOKEN_ENV}`);
  if (!values.store) fail('--store is required');
  const keyCacheMs = Number(values['key-cache-ms']);
  if (!Number.isSafeInteger(keyCacheMs) || keyCacheMs < 0) fail('--key-cache-ms must be a whole number of milliseconds');
  const connect = values['allow-connect'] ?? [];
  if (!connect.every((e) => ENDPOINT.test(e))) fail('--allow-connect takes HOST:PORT');
  if (!(values['allow-write'] ?? []).every((d) => isAbsolute(d))) fail('--allow-write takes an absolute path');

  // Second, before the keystore or any input is read: the sandbox (Linux: Landlock on every thread, no_new_privs,
  // seccomp). Only the code loaded from here on, the store and what the sealers need stay reachable.
  let sandbox;
  try {
    sandbox = sandboxKms({
      storeDir: values.store,
      tctis: values['allow-tcti'] ?? [],
      connect,
      write: values['allow-write'] ?? [],
      ...(values['no-sandbox'] ? { off: 'the parent started this KMS with --no-sandbox' } : {}),
    });
  } catch (e) {
    fail(`cannot set up the sandbox: ${e instanceof Error ? e.message : String(e)}`);
  }

  // stdout may be the protocol channel: nothing else may write to it.
  console.log = console.info = console.debug = (...args: unknown[]) => process.stderr.write(args.map(String).join(' ') + '\n');

  // The channel answers its hello at once; the KMS proper (schemas, algorithms, keystore) loads meanwhile and every
  // request waits for it. Cold start to first answer is then Node's own start plus this file.
  const port = pickPort(values.transport ?? 'auto');
  const options = { storeDir: values.store, holder: values.holder ?? 'kms', keyCacheMs, hardening, sandbox };
  let ctx: KmsContext | undefined;
  const dispatcher: Promise<Dispatcher> = (async () => {
    const [{ KmsContext }, { Dispatcher }] = await Promise.all([import('./kmsContext.js'), import('./dispatcher.js')]);
    ctx = new KmsContext(options);
    return new Dispatcher(ctx);
  })();
  dispatcher.catch((e: unknown) => process.stderr.write(`owkms-kms: could not start: ${e instanceof Error ? e.name : typeof e}\n`));
  new ChannelServer(port, token, dispatcher, { pid: process.pid, version: KMS_VERSION });

  const shutdown = (code: number) => {
    try {
      ctx?.close();
    } finally {
      process.exit(code);
    }
  };
  port.onClose(() => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  process.on('SIGINT', () => shutdown(0));
  process.on('uncaughtException', (e: unknown) => {
    process.stderr.write(`owkms-kms: fatal ${e instanceof Error ? e.name : typeof e}\n`);
    shutdown(70);
  });
}

main();
