#!/usr/bin/env bash
# Installs everything the tests need on Debian 12 (system packages, then npm packages) and runs every check:
# types, lint, and the test suite against real SoftHSM2, swtpm and gnome-keyring, which the tests start themselves.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests use (each test that needs one fails naming it when it is missing).
PACKAGES=(
  g++ make python3 pkg-config          # native addons (pkcs11js, better-sqlite3, argon2, native/tpm2)
  libtss2-dev                          # tpm2-tss headers for native/tpm2
  softhsm2 opensc ykcs11               # PKCS#11 modules: a software token, OpenSC, Yubico's PIV module
  swtpm swtpm-tools tpm2-tools         # TPM 2.0 simulator and tools
  gnome-keyring dbus libsecret-tools   # the Secret Service, in a private D-Bus session
  openssl                              # keys and files as users have them (PEM, SEC1, certificates), made by openssl
)
missing=()
for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The TPM addon must build here (OWKMS_REQUIRE_TPM2): a silent fallback would hide a broken build.
OWKMS_REQUIRE_TPM2=1 npm ci --no-audit --no-fund
npm run typecheck
npm run lint
mkdir -p .vitest-tmp
status=0
npx vitest run --reporter=default --reporter=json --outputFile.json=.vitest-tmp/results.json || status=$?
node -e '
  const r = JSON.parse(require("fs").readFileSync(".vitest-tmp/results.json", "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit $status
