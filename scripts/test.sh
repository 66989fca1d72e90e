#!/usr/bin/env bash
# The test command: installs what the tests need (Debian packages as root, npm packages), builds, and
# runs the whole vitest suite. Tests start and stop their own servers in temporary directories on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(nginx apache2 mariadb-server postgresql php-cli php-fpm php-mysql php-pgsql php-vlucas-phpdotenv
  curl ansible-core)
missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed' || missing+=("$package")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]}. Install them as root (apt-get install ${missing[*]}) and rerun." >&2
    exit 2
  fi
  echo "Installing Debian packages: ${missing[*]}"
  apt-get update -qq
  # policy-rc.d on these machines keeps the packages' own services from starting; tests start their own.
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsc -p tsconfig.json

# Real-world web-server configs used by the corpus tests, when a copy sits beside the repository.
if [ -z "${CACHET_HARDEN_CORPUS:-}" ] && [ -d ../shared/corpus ]; then
  export CACHET_HARDEN_CORPUS="$(cd ../shared/corpus && pwd)"
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
status=0
CACHET_HARDEN_SKIP_BUILD=1 npx vitest run --reporter=default --reporter=json --outputFile.json="$results" "$@" || status=$?

# A plain closing line that CI can count, from vitest's JSON report.
node -e '
  const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
  console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' "$results" || true
exit "$status"
