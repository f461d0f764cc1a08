#!/usr/bin/env bash
# Regenerate the Kotlin and Swift sources from the built library (uniffi library mode).
#   uniffi/generate.sh          rewrite the committed sources in place
#   uniffi/generate.sh DIR      write them under DIR instead (run-tests.sh diffs that)
# Set SKIP_BUILD=1 when the library (target/<host>/debug, see run-tests.sh) is already up to date.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$root}
cd "$root"
host=$(rustc -vV | sed -n 's/^host: //p')
if [ -z "${SKIP_BUILD:-}" ]; then
  # Apart: together, the library would get the bindgen's features of shared dependencies.
  cargo build -j2 -q -p agenticstar-ffi --target "$host"
  cargo build -j2 -q -p uniffi-bindgen
fi
lib=target/$host/debug/libagenticstar_ffi.so
[ "$(uname)" = Darwin ] && lib=target/$host/debug/libagenticstar_ffi.dylib
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# --no-format: the output must not depend on whether ktlint / swiftformat happen to be installed.
target/debug/uniffi-bindgen generate --no-format -l kotlin -o "$tmp/kotlin" "$lib" >/dev/null
target/debug/uniffi-bindgen generate --no-format -l swift -o "$tmp/swift" "$lib" >/dev/null
install -D -m 644 "$tmp/kotlin/jp/agenticstar/agenticstar_ffi.kt" "$out/kotlin/src/main/kotlin/jp/agenticstar/generated/agenticstar_ffi.kt"
install -D -m 644 "$tmp/swift/AgenticStar.swift" "$out/swift/Sources/AgenticStar/Generated/AgenticStar.swift"
install -D -m 644 "$tmp/swift/AgenticStarFFI.h" "$out/swift/Sources/AgenticStarFFI/AgenticStarFFI.h"
