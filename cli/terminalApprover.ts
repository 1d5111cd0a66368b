// `owkms agent` in the foreground asks its own terminal before a guarded key is used through it. Without a terminal
// (a service, a test) every guarded use is refused: APPROVAL_DENIED, CKR_FUNCTION_REJECTED for the PKCS#11 module.
import { openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { ReadStream } from 'node:tty';
import { refuseAll, type ApprovalRequest, type Approver } from '../agent/approver.js';

const ANSWER_WITHIN_MS = 60_000;

export function terminalApprover(): Approver {
  let fd: number;
  try {
    fd = openSync('/dev/tty', 'r');
  } catch {
    return refuseAll;
  }
  const tty = new ReadStream(fd);
  tty.unref();
  let queue: Promise<unknown> = Promise.resolve();
  const ask = (r: ApprovalRequest) =>
    new Promise<boolean>((resolve) => {
      const rl = createInterface({ input: tty, output: process.stderr, terminal: false });
      const timer = setTimeout(() => {
        rl.close();
        resolve(false);
      }, ANSWER_WITHIN_MS);
      process.stderr.write(`\nowkms agent: ${r.summary}\n  asked by pid ${r.peer.pid}${r.peer.exe ? ` (${r.peer.exe})` : ''} through ${r.role === 'pkcs11' ? 'the PKCS#11 module' : 'an owkms session'}\n  key ${r.keyId} (${r.algorithm})\nAllow once? [y/N] `);
      rl.once('line', (line) => {
        clearTimeout(timer);
        rl.close();
        resolve(/^y(es)?$/i.test(line.trim()));
      });
    });
  return {
    approve(r) {
      const next = queue.then(() => ask(r));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
