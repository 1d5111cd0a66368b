// The package's install step for its native parts: native/harden and native/peercred (no dependencies), native/tpm2
// (needs the tpm2-tss headers; where they are missing, install still succeeds and the TPM sealer reports itself
// unavailable), and native/pkcs11-module (a C shared library other programs load; needs json-c and a PKCS#11 3.0
// header, see native/pkcs11-module/Makefile).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const TSS2 = ['tss2-esys', 'tss2-tctildr', 'tss2-mu', 'tss2-rc'];

// node-gyp: npm tells scripts where its bundled copy is; else a local install; else npm's own next to node.
function nodeGyp() {
  if (process.env.npm_config_node_gyp && existsSync(process.env.npm_config_node_gyp)) return process.env.npm_config_node_gyp;
  try {
    return createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
  } catch {
    const bundled = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
    return existsSync(bundled) ? bundled : undefined;
  }
}

/** Build one addon; a failure is fatal only when `required` (CI sets OWKMS_REQUIRE_TPM2=1 for the TPM addon). */
function build(name, required) {
  const gyp = nodeGyp();
  if (!gyp) return skip(name, 'node-gyp not found', required);
  // Build against the running Node's own headers when npm has not named them (no download: there may be no network).
  const args = [gyp, 'rebuild'];
  const prefix = join(dirname(process.execPath), '..');
  if (!process.env.npm_config_nodedir && existsSync(join(prefix, 'include', 'node', 'node_api.h'))) args.push(`--nodedir=${prefix}`);
  console.log(`[${name}] building the native addon`);
  const r = spawnSync(process.execPath, args, { cwd: join(here, name), stdio: 'inherit' });
  if (r.status !== 0) skip(name, `node-gyp rebuild failed (exit ${r.status ?? r.signal})`, required);
}

function skip(name, reason, required) {
  console.error(`[${name}] addon not built: ${reason}`);
  if (required) process.exit(1);
}

build('harden', false);
// The agent refuses every connection without it (it cannot tell who the peer is): CI requires it.
build('peercred', Boolean(process.env.OWKMS_REQUIRE_AGENT));
buildPkcs11Module(Boolean(process.env.OWKMS_REQUIRE_AGENT));

/** The PKCS#11 module is plain C built with make (no Node headers): warnings as errors, only C_* symbols exported. */
function buildPkcs11Module(required) {
  if (process.platform === 'win32') return skip('pkcs11-module', 'not built on Windows by this script (the named-pipe code path is untested)', false);
  console.log('[pkcs11-module] building the PKCS#11 module');
  const r = spawnSync('make', ['-C', join(here, 'pkcs11-module')], { stdio: 'inherit' });
  if (r.error) return skip('pkcs11-module', 'make not found', required);
  if (r.status !== 0) skip('pkcs11-module', `make failed (exit ${r.status ?? r.signal}; Debian: apt install libjson-c-dev libpkcs11-helper1-dev pkg-config)`, required);
}

const requireTpm = Boolean(process.env.OWKMS_REQUIRE_TPM2);
if (process.env.OWKMS_SKIP_TPM2_BUILD) skip('tpm2', 'OWKMS_SKIP_TPM2_BUILD is set; the TPM sealer will be unavailable', false);
else {
  const probe = spawnSync('pkg-config', ['--exists', ...TSS2], { stdio: 'ignore' });
  if (probe.error) skip('tpm2', 'pkg-config not found (install pkg-config and libtss2-dev); the TPM sealer will be unavailable', requireTpm);
  else if (probe.status !== 0) skip('tpm2', `pkg-config cannot find ${TSS2.join(' ')} (Debian/Ubuntu: apt install libtss2-dev); the TPM sealer will be unavailable`, requireTpm);
  else build('tpm2', requireTpm);
}
