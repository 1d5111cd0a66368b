// electron-builder's afterPack hook: once the app is packed (ASAR and unpacked files in place, before the fuses are
// flipped and the app is signed), write the signed release manifest next to it in resources/.
import { join } from 'node:path';
import type { AfterPackContext } from 'electron-builder';
import { writeSignedManifest } from './appManifest.js';
import type { ReleaseKey } from './releaseKeys.js';

/** resources/ inside the packed app, per platform. */
export function resourcesDir(ctx: Pick<AfterPackContext, 'appOutDir' | 'electronPlatformName' | 'packager'>): string {
  const mac = ctx.electronPlatformName === 'darwin' || ctx.electronPlatformName === 'mas';
  return mac ? join(ctx.appOutDir, `${ctx.packager.appInfo.productFilename}.app`, 'Contents', 'Resources') : join(ctx.appOutDir, 'resources');
}

export function afterPackWithKey(key: ReleaseKey | undefined): (ctx: AfterPackContext) => Promise<void> {
  return async (ctx) => {
    if (!key) {
      console.warn('  • no release key ($OWKMS_RELEASE_KEY_FILE): no manifest written; this build reports itself unverified');
      return;
    }
    const app = { name: ctx.packager.appInfo.name, version: ctx.packager.appInfo.version };
    const m = writeSignedManifest(resourcesDir(ctx), app, key.privateKey);
    console.log(`  • release manifest: ${m.files.length} files signed with key ${key.publicKey}`);
  };
}
