// The KMS's own context and dispatcher (the compiled dist/, as the KMS child runs them) in this process: the byte
// sweep runs tens of thousands of attempts, and a process per attempt would cost more than the attempt itself. Every
// request goes through the real dispatcher (schema, caller policy, services, keystore), as caller `test`.
import { Dispatcher } from '../../../dist/kms-process/dispatcher.js';
import { KmsContext } from '../../../dist/kms-process/kmsContext.js';

export class KmsError extends Error {
  constructor(kind, message) {
    super(message);
    this.kind = kind;
  }
}

export function openKms(dir, holder) {
  const ctx = new KmsContext({ storeDir: dir, holder, keyCacheMs: 0 });
  const dispatcher = new Dispatcher(ctx);
  let id = 0;
  const call = async (method, params = {}) => {
    const r = await dispatcher.handle({ jsonrpc: '2.0', id: ++id, method, params }, 'test', ['test']);
    if ('error' in r) throw new KmsError(r.error.data.kind, r.error.message);
    return r.result;
  };
  return { ctx, call };
}
