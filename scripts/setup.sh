#!/usr/bin/env bash
# Installs every Debian package Estafeta's build, tests and benchmarks need,
# then the npm packages of the tests (tests/jmap_client: a third-party JMAP
# client, exactly as its package-lock.json pins it).
# Idempotent: when everything is present it only asks dpkg, compares one
# stamp file and returns.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)

mapfile -t wanted < <(grep -v '^\s*#' "$here/packages.txt" | sed 's/\s.*//' | grep -v '^$')

missing=()
for pkg in "${wanted[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null || true)
  [[ "$status" == "install ok installed" ]] || missing+=("$pkg")
done

install_debian_packages() {
  echo "setup: installing ${missing[*]}"
  local sudo_cmd=()
  if [[ $(id -u) -ne 0 ]]; then sudo_cmd=(sudo); fi

  # Postfix asks questions on install; answer them first: local only, no relay.
  if printf '%s\n' "${missing[@]}" | grep -qx postfix; then
    echo "postfix postfix/main_mailer_type select Local only" | "${sudo_cmd[@]}" debconf-set-selections
    echo "postfix postfix/mailname string localhost" | "${sudo_cmd[@]}" debconf-set-selections
  fi

  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

if ((${#missing[@]} > 0)); then install_debian_packages; fi

# Node.js 20 or later and npm, for the tests' JavaScript clients. They come
# with the machine, not from Debian: Debian 12's nodejs is 18, too old, so it
# is never installed here.
node_major=0
if command -v node >/dev/null 2>&1; then
  node_version=$(node --version 2>/dev/null || true)   # "v20.20.2"
  if [[ "$node_version" =~ ^v([0-9]+)\. ]]; then node_major=${BASH_REMATCH[1]}; fi
fi
problems=()
if ! command -v node >/dev/null 2>&1; then
  problems+=("node is not installed")
elif ((node_major < 20)); then
  problems+=("node is ${node_version:-of an unknown version} at $(command -v node); 20 or later is needed")
fi
if ! command -v npm >/dev/null 2>&1; then problems+=("npm is not installed"); fi
if ((${#problems[@]} > 0)); then
  printf 'setup: %s\n' "${problems[@]}" >&2
  echo "setup: the JMAP client tests (tests/jmap_client) need Node.js 20 or later with npm;" \
    "install them from Node.js's own releases (Debian 12's nodejs package is 18, too old)" >&2
  exit 1
fi

# npm ci installs exactly what package-lock.json pins. It is skipped while the
# stamp (a hash of package.json and package-lock.json, and the Node.js major
# version) still matches; npm ci empties node_modules first, so a failed run
# leaves no stamp.
npm_ci() {
  local dir=$1 stamp want
  stamp="$dir/node_modules/.estafeta-setup"
  want="$(cat "$dir/package.json" "$dir/package-lock.json" | sha256sum | cut -d' ' -f1) node $node_major"
  if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then return 0; fi
  echo "setup: npm ci in ${dir#"$root"/}"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
  echo "$want" >"$stamp"
}

npm_ci "$root/tests/jmap_client"
# The web app (web/: Vite, Preact, DOMPurify; built into the binary by the
# C++ build) and its browser tests (tests/webapp: playwright-core driving
# Debian's chromium, axe-core).
npm_ci "$root/web"
npm_ci "$root/tests/webapp"
