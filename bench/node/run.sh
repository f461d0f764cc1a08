#!/usr/bin/env bash
# Node benchmarks of the agenticstar package, called by bench/run:
#
#   bash bench/node/run.sh <corpus_dir>     (BENCH_QUICK=1: small sizes, seconds)
#
# Prints table rows (| benchmark | MB/s | events/s | result | target |) on stdout, progress on
# stderr. Installs the pinned peers of bench/node/package.json (npm, once), then builds a RELEASE
# copy of the package in $target/bench-node/pkg (node/'s own build is a debug one, and another
# checkout's tests may be rebuilding it): node/src + package.json copied there, the addon built
# from node/Cargo.toml (node/rust) with napi --release, TypeScript compiled with the pinned tsc. Builds the
# release emulator when needed (cargo no-ops when fresh).
#
# BENCH_NODE_PARTS=memory,e2e,token,load picks parts; BENCH_JOBS is cargo's -j (default 2).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${1:?usage: bench/node/run.sh <corpus_dir>}
corpus=$(cd "$corpus" && pwd) || { echo "bench/node: no corpus dir $1" >&2; exit 2; }
[ -f "$corpus/chat.sse" ] && [ -f "$corpus/corpus.json" ] || { echo "bench/node: $corpus lacks chat.sse / corpus.json" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$root/target}
jobs=${BENCH_JOBS:-2}
pkg=$target/bench-node/pkg

say() { echo "bench/node: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed"
[ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] || die "Node.js >= 20 is needed (found $(node -v))"

# 1. The pinned peers and build tools, once (again when the lockfile changes).
cd "$here"
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  say "npm install (bench/node)"
  npm install --no-save --no-audit --no-fund --loglevel=error >&2 || die "npm install in bench/node failed"
fi

# 2. A release build of the package in $pkg.
say "building a release copy of the package in $pkg (napi -j$jobs)"
mkdir -p "$pkg"
rm -rf "$pkg/src" "$pkg/scripts"
cp -R "$root/node/src" "$root/node/scripts" "$pkg/"
cp "$root/node/package.json" "$root/node/tsconfig.json" "$pkg/"
ln -sfn "$here/node_modules" "$pkg/node_modules"
(cd "$pkg" && CARGO_BUILD_JOBS=$jobs "$here/node_modules/.bin/napi" build --platform --release --features bench \
    --manifest-path "$root/node/Cargo.toml" --output-dir native --js index.js --dts index.d.ts >&2) \
  || die "napi build --release of node/Cargo.toml failed"
(cd "$pkg" && "$here/node_modules/.bin/tsc" -p tsconfig.json >&2 && node scripts/esm.mjs >&2) \
  || die "TypeScript build of node/src failed"

# 3. The emulator, release build.
emulator=$target/release/agenticstar
say "building the emulator (cargo build --release -p agenticstar-cli)"
(cd "$root" && cargo build -q -j"$jobs" --release -p agenticstar-cli >&2) || die "cannot build the emulator"

# 4. The measurements.
v() { node -p "require('./node_modules/$1/package.json').version"; }
echo "Node $(node -v): agenticstar (release build) vs eventsource-parser $(v eventsource-parser) / openai-node $(v openai)$([ "${BENCH_QUICK:-}" = 1 ] && echo ', quick')"
node --expose-gc "$here/bench.mjs" "$corpus" "$emulator" "$pkg" || die "bench.mjs failed (exit $?)"
