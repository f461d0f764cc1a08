#!/usr/bin/env bash
# Tests of the Kotlin and Swift packages over the uniffi bindings. Exits non-zero on any failure.
#  1. builds the FFI library, the CLI (emulator) and uniffi-bindgen (debug);
#  2. regenerates the Kotlin and Swift sources into a temp dir and fails if the committed ones differ;
#  3. runs the Kotlin JUnit suite (mvn test; the tests start the emulator themselves);
#  4. runs swift build + swift test when a Swift toolchain is on PATH.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Three builds, not one: built together, the library would get the bindgen's and the CLI's
# features of shared dependencies (cargo unifies features within one build), so it would not be
# the library that ships. It is built for an explicit --target, as napi builds the Node addon and
# the Python suite its module: the three then share one compiled core (target/<host>/debug).
host=$(rustc -vV | sed -n 's/^host: //p')
lib_dir="$root/target/$host/debug"
echo "==> cargo build -p agenticstar-ffi --target $host; -p uniffi-bindgen; -p agenticstar-cli (if not built)"
cargo build -j2 -q -p agenticstar-ffi --target "$host"
cargo build -j2 -q -p uniffi-bindgen
[ -x "$root/target/debug/agenticstar" ] || cargo build -j2 -q -p agenticstar-cli

echo "==> generated Kotlin and Swift sources are current"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
SKIP_BUILD=1 uniffi/generate.sh "$tmp"
stale=0
for f in kotlin/src/main/kotlin/jp/agenticstar/generated/agenticstar_ffi.kt \
         swift/Sources/AgenticStar/Generated/AgenticStar.swift \
         swift/Sources/AgenticStarFFI/AgenticStarFFI.h; do
  if ! cmp -s "$tmp/$f" "$f"; then
    echo "stale: $f"
    diff -u "$f" "$tmp/$f" 2>&1 | head -20 || true
    stale=1
  fi
done
if [ "$stale" != 0 ]; then
  echo "Generated bindings are out of date: run uniffi/generate.sh and commit the result." >&2
  exit 1
fi

# The suite's forced-panic hook lives only in a test build of the library (not in the generated code).
# Only the FFI crate itself is compiled again.
echo "==> cargo build -p agenticstar-ffi --features test-hooks"
cargo build -j2 -q -p agenticstar-ffi --target "$host" --features test-hooks

if ! command -v mvn >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "==> installing Maven"
  apt-get install -y -q maven >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q maven >/dev/null; }
fi
echo "==> Kotlin: mvn test (JUnit against the emulator)"
# Client constructors read these (core agenticstar::env::VARS) for what a test leaves out: the
# caller's own settings must not change what the tests see (EnvTest sets its own).
unset AGENTICSTAR_PROVIDER AGENTICSTAR_AUTH_URL AGENTICSTAR_REALM AGENTICSTAR_API_URL \
  AGENTICSTAR_CLIENT_ID AGENTICSTAR_CLIENT_SECRET AGENTICSTAR_SCOPE AGENTICSTAR_TOKEN_FILE
rm -rf kotlin/target/surefire-reports
# Kotlin's incremental cache misses changes of the generated bindings (stale classes, NoSuchMethodError).
rm -rf kotlin/target/kotlin-ic
status=0
# (sed: Maven 3.8 still emits colour resets in batch mode.)
(cd kotlin && mvn -q -B -Dstyle.color=never -Dagenticstar.lib.dir="$lib_dir" test 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g') || status=$?
# mvn -q prints nothing on success: sum up surefire's reports ourselves.
python3 - <<'PY' || status=1
import glob, xml.etree.ElementTree as ET
t = f = s = 0
for p in glob.glob("kotlin/target/surefire-reports/TEST-*.xml"):
    r = ET.parse(p).getroot()
    t += int(r.get("tests", 0)); s += int(r.get("skipped", 0))
    f += int(r.get("failures", 0)) + int(r.get("errors", 0))
print(f"kotlin: {t - f - s} passed, {f} failed, {s} skipped")
# Kotlin's incremental compiler can skip a stale test tree, and Maven then passes with nothing run.
raise SystemExit(1 if t == 0 else 0)
PY
[ "$status" = 0 ] || exit "$status"

if command -v swift >/dev/null 2>&1; then
  echo "==> Swift: swift build + swift test"
  flags=(-Xlinker -L"$lib_dir" -Xlinker -rpath -Xlinker "$lib_dir")
  (swift build "${flags[@]}" && AGENTICSTAR_CLI="$root/target/debug/agenticstar" swift test "${flags[@]}")
else
  echo "==> Swift: no toolchain on PATH; generated sources checked, build and tests skipped"
fi
