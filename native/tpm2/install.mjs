// The package's install step for the TPM addon: builds it with node-gyp where tpm2-tss headers exist, otherwise
// says why not and succeeds (the TPM sealer then reports itself unavailable with that reason).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const LIBS = ['tss2-esys', 'tss2-tctildr', 'tss2-mu', 'tss2-rc'];

function skip(reason) {
  console.log(`[tpm2] addon not built: ${reason}. The TPM sealer will be unavailable.`);
  process.exit(0);
}

if (process.env.OWKMS_SKIP_TPM2_BUILD) skip('OWKMS_SKIP_TPM2_BUILD is set');
const probe = spawnSync('pkg-config', ['--exists', ...LIBS], { stdio: 'ignore' });
if (probe.error) skip('pkg-config not found (install pkg-config and libtss2-dev)');
if (probe.status !== 0) skip(`pkg-config cannot find ${LIBS.join(' ')} (Debian/Ubuntu: apt install libtss2-dev)`);

// node-gyp: npm tells scripts where its bundled copy is; else a local install; else npm's own next to node.
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) {
    return process.env.npm_config_node_gyp;
  }
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp',
      'bin', 'node-gyp.js');
    return existsSync(bundled) ? bundled : undefined;
  }
}

const gyp = nodeGyp();
if (!gyp) skip('node-gyp not found');
console.log('[tpm2] building the tpm2-tss addon');
// Build against the running Node's own headers when npm has not named them (no download: there may be no network).
const args = [gyp, 'rebuild'];
const prefix = join(dirname(process.execPath), '..');
if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
const build = spawnSync(process.execPath, args, { cwd: here, stdio: 'inherit' });
if (build.status !== 0) {
  // The app works without the TPM sealer, so install goes on; CI sets OWKMS_REQUIRE_TPM2=1 to make this fatal.
  console.error(`[tpm2] node-gyp rebuild failed (exit ${build.status ?? build.signal}); TPM sealer unavailable`);
  process.exit(process.env.OWKMS_REQUIRE_TPM2 ? 1 : 0);
}
