#!/bin/sh
# Makes a fresh clone runnable: installs the locked dependencies (which include
# Node 24 itself, from the npm registry) and writes a local .env with a random
# ADMIN_TOKEN. Every npm script calls this first, so nobody installs by hand.
# It is quick when nothing changed: it compares a hash of package-lock.json.
set -eu
cd "$(dirname "$0")/.."

lock_hash() {
  # sha256sum is in coreutils on Debian; cksum is the POSIX fallback.
  if command -v sha256sum >/dev/null 2>&1; then sha256sum package-lock.json | cut -d' ' -f1
  else cksum package-lock.json | cut -d' ' -f1; fi
}

stamp=node_modules/.bootstrap-lock-hash
want=$(lock_hash)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || [ ! -x node_modules/.bin/node ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "bootstrap: npm is missing. Install Node.js (any version with npm 9+); the project brings its own Node 24." >&2
    exit 1
  fi
  echo "bootstrap: installing locked dependencies (npm ci), including Node 24 from the npm registry..." >&2
  npm ci --no-audit --no-fund --loglevel=error >&2
  echo "$want" > "$stamp"
fi

major=$(node_modules/.bin/node -p 'process.versions.node.split(".")[0]')
if [ "$major" -lt 22 ]; then
  echo "bootstrap: node_modules/.bin/node is Node $major; expected Node 24 from the 'node' devDependency." >&2
  exit 1
fi

# A random admin token, written once, so admin routes are never open by default.
if [ -z "${ADMIN_TOKEN:-}" ] && ! grep -qs '^ADMIN_TOKEN=' .env; then
  token=$(node_modules/.bin/node -e 'process.stdout.write(require("node:crypto").randomBytes(24).toString("base64url"))')
  printf 'ADMIN_TOKEN=%s\n' "$token" >> .env
  echo "bootstrap: wrote a random ADMIN_TOKEN to .env" >&2
fi
