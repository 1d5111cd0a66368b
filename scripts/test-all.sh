#!/usr/bin/env bash
# Installs everything the tests need on Debian 12 (system packages, then npm packages) and runs every check:
# types, lint, and the test suite against real SoftHSM2, swtpm, gnome-keyring and PyKMIP, which the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (each test that needs one fails naming it when it is missing).
PACKAGES=(
  g++ make python3 pkg-config          # native addons (pkcs11js, better-sqlite3, argon2, native/tpm2)
  libtss2-dev                          # tpm2-tss headers for native/tpm2
  softhsm2 opensc ykcs11               # PKCS#11 modules: a software token, OpenSC, Yubico's PIV module
  swtpm swtpm-tools tpm2-tools         # TPM 2.0 simulator and tools
  gnome-keyring dbus libsecret-tools   # the Secret Service, in a private D-Bus session
  libjson-c-dev libpkcs11-helper1-dev  # the PKCS#11 module: json-c, and a PKCS#11 3.0 header (p11-kit's is 2.40 in Debian 12)
  openssl libengine-pkcs11-openssl     # OpenSSL: keys as users have them (PEM, SEC1), certificates for the KMIP tests, the independent Ed25519 verifier of the release manifest, and a consumer of the module through its pkcs11 engine (libp11)
  gnutls-bin                           # p11tool
  openssh-client openssh-server        # ssh-keygen -D, ssh -I, and an sshd on loopback
  util-linux                           # setpriv: a process of another user (nobody) at the agent's socket
  chromium fonts-dejavu-core           # the e2e harness: the renderer in headless Chromium (playwright-core), legible screenshots
  python3-pykmip                       # a KMIP server (PyKMIP) for the kmip: provider's tests
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The TPM addon, the peer-credentials addon and the PKCS#11 module must build here (OWKMS_REQUIRE_TPM2,
# OWKMS_REQUIRE_AGENT): a silent fallback would hide a broken build. The electron package is there for its types
# only: no Electron binary can be had here (DESIGN.md section 10).
export ELECTRON_SKIP_BINARY_DOWNLOAD=1
OWKMS_REQUIRE_TPM2=1 OWKMS_REQUIRE_AGENT=1 npm ci --no-audit --no-fund
npm run typecheck
npm run lint
# electronegativity on main/, its SARIF parsed (the tool itself always exits 0).
npm run electronegativity
mkdir -p .vitest-tmp
status=0
# Every test, the e2e harness (test/e2e: the renderer in Chromium against the real broker and KMS, what
# `npm run test:e2e` runs) included; test/e2e/electron reports itself skipped where no Electron binary exists.
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-tmp/results.json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest-tmp/results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
