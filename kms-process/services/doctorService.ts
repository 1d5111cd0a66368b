// kms.doctor (issue 13, owkms doctor): the KMS lets go of its keystore (whether it opened or not), reads the file
// row by row, unseals with the secrets given, authenticates every row on its own and reports what is damaged and
// what can be saved; with `salvageTo`, writes what verifies into a new keystore there. Then it opens its keystore
// again as at start. Attempts are not counted here: whoever can run the doctor on this store can copy the file and
// guess offline anyway.
import { KmsError } from '../api/index.js';
import { diagnose, type Salvage } from '../doctor/doctorCheck.js';
import { readDamagedKeystore } from '../doctor/damagedFile.js';
import { writeSalvage } from '../doctor/salvage.js';
import type { KmsContext } from '../kmsContext.js';
import { assertMaterialRecipient } from '../policy/materialRecipients.js';
import type { HandlerTable } from './handler.js';

function advise(report: Awaited<ReturnType<typeof diagnose>>['report'], salvageTo: string | undefined): string[] {
  const a: string[] = [];
  if (report.unseal.state === 'needs') a.push(`give the ${report.unseal.needs!.join(' and the ')} to check the rows and to salvage`);
  if (report.unseal.state === 'failed') a.push(`the master key could not be unsealed: ${report.unseal.detail ?? ''}`);
  if (report.unseal.state === 'impossible') a.push(`nothing can be checked or salvaged: ${report.unseal.detail ?? ''}; restore a backup (owkms restore --in FILE)`);
  if (report.healthy === 'yes') a.push('nothing is damaged');
  if (report.healthy === 'no' && !salvageTo && report.salvageable.keys > 0) {
    a.push(`${report.salvageable.keys} key(s) verify: owkms doctor --salvage-to DIR writes them into a new keystore in DIR (same passphrase, keychain or TPM)`);
  }
  if (report.keySet === 'differs') a.push('the verified keys are not the set the metadata records: some keys are lost or a row is older than the rest');
  if (report.salvaged) a.push(`the salvaged keystore is in ${report.salvaged.dir}: check it (owkms --store ${report.salvaged.dir} keys list), then use it in place of the damaged one`);
  return a;
}

function zeroize(s: Salvage | undefined): void {
  if (!s) return;
  s.mk.fill(0);
  for (const k of s.contents.keys) {
    if (k.secret) Buffer.from(k.secret.buffer, k.secret.byteOffset, k.secret.byteLength).fill(0);
    for (const v of k.versions) Buffer.from(v.buffer, v.byteOffset, v.byteLength).fill(0);
  }
  for (const r of s.contents.remotes) Buffer.from(r.key.buffer, r.key.byteOffset, r.key.byteLength).fill(0);
}

export function doctorHandlers(ctx: KmsContext): HandlerTable {
  return {
    'kms.doctor': async (p, call) => {
      assertMaterialRecipient(call.caller, 'a diagnosis and salvage of the keystore');
      const opened = ctx.openError ? `${ctx.openError.kind}: ${ctx.openError.message}` : 'ok';
      await ctx.registryReady;
      return ctx.withKeystoreReleased(async () => {
        const raw = readDamagedKeystore(ctx.options.storeDir);
        let salvage: Salvage | undefined;
        try {
          const d = await diagnose(ctx, raw, opened, { passphrase: p.passphrase, pin: p.pin });
          salvage = d.salvage;
          const report = d.report;
          if (p.salvageTo) {
            if (!salvage) throw new KmsError('UNAVAILABLE', `nothing can be salvaged: the master key is not unsealed (${report.unseal.state}${report.unseal.detail ? `: ${report.unseal.detail}` : ''})`);
            report.salvaged = await writeSalvage(p.salvageTo, salvage, call.caller, ctx.options.storeDir);
          }
          report.advice = advise(report, p.salvageTo);
          return report;
        } finally {
          zeroize(salvage);
          raw.db?.close();
        }
      });
    },
  };
}
