// owkms commands of the local key service (issue 16): the PKCS#11 module's PIN, opting keys in for it (--callers),
// and locking or unlocking the wallet an agent holds. `agent` and `pkcs11 module-path` need no KMS and are run by
// main.ts itself.
import { CALLERS, type Caller } from '../kms-process/api/callers.js';
import { KmsError } from '../kms-process/api/errors.js';
import type { Command, Invocation } from './commands.js';
import { readSecret } from './secrets.js';

export const SERVICE_USAGE = [
  'agent [--socket PATH] [--lock-after SECONDS]   the local key service (owkms sessions, the PKCS#11 module); prints OWKMS_SOCKET and OWKMS_SESSION',
  'pkcs11 module-path                             the path of the PKCS#11 v3.0 module to load in Firefox, ssh, pkcs11-tool, ...',
];

/** `--callers app,pkcs11`: the callers a key admits (pkcs11 must be named for the PKCS#11 module to see the key). */
export function callersOption(inv: Invocation): Caller[] | undefined {
  const v = inv.options.callers;
  if (typeof v !== 'string') return undefined;
  const list = v.split(',').map((c) => c.trim()).filter((c) => c.length > 0);
  for (const c of list) if (!(CALLERS as readonly string[]).includes(c)) throw new KmsError('INVALID_REQUEST', `unknown caller '${c}' (${CALLERS.join(', ')})`);
  return list as Caller[];
}

export const SERVICE_COMMANDS: readonly Command[] = [
  { name: 'pkcs11 set-pin', usage: 'pkcs11 set-pin (the PKCS#11 module\'s PIN: $OWKMS_PKCS11_PIN or a prompt; clears a lockout)', method: 'pkcs11.setPin', options: [], args: 0, unlock: true,
    params: async () => ({ pin: await readSecret({ env: 'OWKMS_PKCS11_PIN', what: 'New PKCS#11 PIN' }, true) }) },
  { name: 'keys update', usage: 'keys update ID [--label L] [--callers app,pkcs11,...]', method: 'keys.update', options: ['label', 'callers'], args: 1, unlock: true,
    params: async (inv) => {
      const callers = callersOption(inv);
      const label = typeof inv.options.label === 'string' ? inv.options.label : undefined;
      return { id: inv.positionals[0], ...(label !== undefined ? { label } : {}), ...(callers ? { policy: { callers } } : {}) };
    } },
  { name: 'lock', usage: 'lock (an agent\'s wallet: zeroize the keys it holds)', method: 'kms.lock', options: [], args: 0, unlock: false, params: async () => ({}) },
  { name: 'unlock', usage: 'unlock (an agent\'s wallet, with the passphrase or PIN)', method: 'kms.status', options: [], args: 0, unlock: true, params: async () => ({ probe: false }) },
];
