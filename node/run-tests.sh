#!/usr/bin/env bash
# The Node package's one test entry point: install, build (debug), run node:test against the
# emulator, type-check the typed example. Works from a fresh clone; fast when re-run.
set -euo pipefail
cd "$(dirname "$0")"
repo=$(cd .. && pwd)
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}" # shared 2-core machines
export AGENTICSTAR_CLI="${AGENTICSTAR_CLI:-${CARGO_TARGET_DIR:-$repo/target}/debug/agenticstar}"

# Install only when node_modules is missing or older than the lockfile. Not `npm ci`: it rejects this
# lockfile because the registry we use lacks some optional per-platform packages of @napi-rs/cli's
# dependencies (lzma, tar), which npm therefore left out of the lock. `--no-save` installs exactly
# what the lockfile pins and never rewrites it.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm install --no-save --no-audit --no-fund
fi

npm run --silent build:debug

if [ ! -x "$AGENTICSTAR_CLI" ]; then
  (cd "$repo" && cargo build -j"$CARGO_BUILD_JOBS" -p agenticstar-cli)
fi

# redis-server for the store-error tests (Debian's package; the tests start their own).
bash "$repo/scripts/redis-server.sh" --install-only >/dev/null

# Client constructors read these (core agenticstar::env::VARS) for what a test leaves out: the
# caller's own settings must not change what the tests see (env.test.mjs sets its own).
unset AGENTICSTAR_PROVIDER AGENTICSTAR_AUTH_URL AGENTICSTAR_REALM AGENTICSTAR_API_URL \
  AGENTICSTAR_CLIENT_ID AGENTICSTAR_CLIENT_SECRET AGENTICSTAR_SCOPE AGENTICSTAR_TOKEN_FILE
node --test __test__/*.test.mjs
npx --no-install tsc --noEmit --strict -p examples
echo "node: typed example type-checks"
# A misspelled request field must not compile: every @ts-expect-error line in it has to error.
npx --no-install tsc --noEmit --strict -p __test__/types
echo "node: tsc --strict rejects misspelled request fields"
