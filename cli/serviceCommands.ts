// owkms commands of the local key service (issue 16): the PKCS#11 module's PIN, and locking or unlocking the wallet
// an agent holds. `agent`, `pkcs11 module-path` and `serve` run no one-shot command: they are `local` (main.ts).
import { MAX_SECRET_STRING } from '../kms-process/api/limits.js';
import { UsageError, type Command } from './command.js';
import { readSecret } from './secrets.js';

const AGENT_NOTE = 'With an agent running for the same keystore ($OWKMS_SOCKET, $OWKMS_SESSION), commands go to it instead of a KMS of their own.';

export const SERVICE_COMMANDS: readonly Command[] = [
  {
    name: 'pkcs11 set-pin',
    summary: "set the PKCS#11 module's PIN (clears a lockout)",
    args: [],
    options: {},
    notes: ['The PIN comes from $OWKMS_PKCS11_PIN or a prompt (asked twice), never an argument: 4 to 64 characters.'],
    method: 'pkcs11.setPin',
    unlock: true,
    params: async () => ({ pin: await readSecret({ env: 'OWKMS_PKCS11_PIN', what: 'New PKCS#11 PIN' }, true) }),
  },
  {
    name: 'lock',
    summary: "lock an agent's wallet: zeroize the keys it holds",
    args: [],
    options: {},
    notes: [AGENT_NOTE, 'Without an agent, every owkms run locks when it ends.'],
    method: 'kms.lock',
    unlock: false,
    params: async () => ({}),
  },
  {
    name: 'unlock',
    summary: "unlock an agent's wallet with the passphrase or PIN",
    args: [],
    options: {},
    notes: [AGENT_NOTE, `The secrets come as for any command (at most ${MAX_SECRET_STRING} characters).`],
    method: 'kms.status',
    unlock: true,
    params: async () => ({ probe: false }),
  },
];

/** Commands that run no KMS method of their own (main.ts runs them). */
export const LOCAL_COMMANDS: readonly Command[] = [
  {
    name: 'agent',
    summary: 'run the local key service in the foreground (owkms sessions, the PKCS#11 module)',
    args: [],
    options: {
      socket: { type: 'string', value: 'PATH', help: 'the socket to listen on (default $OWKMS_SOCKET, else $XDG_RUNTIME_DIR/owkms/agent.sock)' },
      'lock-after': { type: 'string', value: 'SECONDS', range: [0, 7 * 24 * 3600], help: 'lock after this many seconds without a call (default 900; 0: never)' },
    },
    notes: ['Prints OWKMS_SOCKET=...; OWKMS_SESSION=... lines for a shell (like ssh-agent); the session token gives owkms cli rights.'],
    local: 'agent',
    unlock: false,
    params: async () => ({}),
  },
  {
    name: 'pkcs11 module-path',
    summary: 'print the path of the PKCS#11 v3.0 module to load in Firefox, ssh, pkcs11-tool, ...',
    args: [],
    options: {},
    local: 'module-path',
    unlock: false,
    params: async () => ({}),
  },
  {
    name: 'serve',
    summary: 'serve WebKMS on https://127.0.0.1 (caller rest) until SIGINT',
    args: [],
    options: {
      webkms: { type: 'boolean', help: 'the WebKMS service (the only one there is; needed)' },
      port: { type: 'string', value: 'N', range: [0, 65535], help: 'the loopback port (default or 0: one the system picks, printed at start)' },
      controller: { type: 'string', multiple: true, value: 'DID', required: true, help: 'a did:key allowed to create keystores, repeatable' },
    },
    notes: ['Off by default; listens on 127.0.0.1 only; see README "WebKMS" for its security caveats.'],
    check: (inv) => {
      if (inv.options.webkms !== true) throw new UsageError('serve needs --webkms (the service to serve)');
    },
    local: 'serve',
    unlock: true,
    params: async () => ({}),
  },
];
