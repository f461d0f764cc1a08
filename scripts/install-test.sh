#!/usr/bin/env bash
# Installs the packages from a dist directory as a user would, with no Rust toolchain on PATH, and
# runs each package's README quick start against the emulator (the CLI from the same dist dir):
#   1. Python: the host's wheel into a fresh venv; the README quick start (sync client).
#   2. Node: the npm tarballs into a clean project; the README quick start as ESM and as CJS;
#      no EBADENGINE warning; an unsupported platform gets an error naming it and the list.
#   3. Kotlin: the jar (+ pom) installed into the local Maven repository; a separate consumer
#      project depends on it, sets no jna.library.path, and streams a reply.
#   4. aarch64 (when dist has the aarch64 CLI): `agenticstar demo` under qemu-user.
#   scripts/install-test.sh DIST_DIR      (scripts/dist.sh --dev --out DIR makes a host-only one)
# Prints "install: N passed, N failed".
# The whole script is one function: bash parses it before running, so editing this file during
# a (long) run cannot change what the run does.
main() {
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(cd "${1:?usage: scripts/install-test.sh DIST_DIR}" && pwd)
version=$(python3 "$root/scripts/version.py")
host=$(rustc -vV 2>/dev/null | sed -n 's/^host: //p' || true)
host=${host:-x86_64-unknown-linux-gnu}
work=$(mktemp -d)
emu_pid=
cleanup() { [ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAIL: $1" >&2; failed=$((failed + 1)); }

# No Rust toolchain from here on: drop cargo's bin dir (and rustup's shims) from PATH.
PATH=$(echo "$PATH" | tr ':' '\n' | grep -v -e '\.cargo/bin' -e '\.rustup' | paste -sd: -)
export PATH
if command -v cargo >/dev/null || command -v rustc >/dev/null; then
  echo "a Rust toolchain is still on PATH: $(command -v cargo rustc)" >&2
  exit 1
fi
unset JAVA_TOOL_OPTIONS MAVEN_OPTS

# The emulator, from the CLI artifact.
tar -C "$work" -xzf "$dist/cli/agenticstar-$version-$host.tar.gz"
cli="$work/agenticstar-$version-$host/agenticstar"
"$cli" emulator --port 0 >"$work/emu.out" 2>"$work/emu.err" &
emu_pid=$!
for _ in $(seq 100); do grep -q '"ready"' "$work/emu.out" 2>/dev/null && break; sleep 0.1; done
url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$work/emu.out")
echo "emulator: $url"

# A README's first fenced block of the given language after the given heading.
snippet() {
  python3 - "$@" <<'PY'
import re, sys
path, heading, lang = sys.argv[1:4]
text = open(path).read()
after = text[text.index(heading):]
m = re.search(r"```" + lang + r"\n(.*?)```", after, re.S)
print(m.group(1), end="")
PY
}

# ---------------------------------------------------------------- 1. Python
wheel=$(ls "$dist"/python/*.whl | grep -E "$(uname -m)" | grep -v musllinux | head -1)
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel"
snippet "$root/python/README.md" "## Quick start against the emulator" python |
  sed "s#http://127.0.0.1:8787#$url#g" >"$work/quick.py"
if (cd "$work" && "$work/venv/bin/python" quick.py) >"$work/py.out" 2>&1 &&
   grep -q "stop" "$work/py.out" && [ "$(head -c 3 "$work/py.out")" != "" ]; then
  ok "python: $(basename "$wheel") in a fresh venv ran the README quick start: $(head -1 "$work/py.out" | cut -c1-60)"
else
  cat "$work/py.out"; fail "python quick start"
fi

# ---------------------------------------------------------------- 2. Node
proj="$work/node-app"
mkdir -p "$proj"
(cd "$proj" && npm init -y >/dev/null)
key=$(node -p "process.platform + '-' + (process.arch) + '-' + (process.report.getReport().header.glibcVersionRuntime ? 'gnu' : 'musl')")
main_tgz="$dist/npm/agenticstar-$version.tgz"
plat_tgz="$dist/npm/agenticstar-$key-$version.tgz"
# --offline: the platform packages not given here (other platforms) must not be fetched; npm
# skips optional dependencies it cannot get.
if (cd "$proj" && npm install --offline --no-audit --no-fund "$main_tgz" "$plat_tgz") >"$work/npm.out" 2>&1; then
  if grep -q EBADENGINE "$work/npm.out"; then cat "$work/npm.out"; fail "npm: EBADENGINE warning"; else ok "npm: installed $(basename "$main_tgz") + $(basename "$plat_tgz"), no engine warning"; fi
else
  cat "$work/npm.out"; fail "npm install"
fi
snippet "$root/node/README.md" "## Quick start: stream a reply" ts | sed "s#http://127.0.0.1:8080#$url#g" >"$proj/quick.mjs"
# The same program as CommonJS: require() and an async main.
{
  echo "const { Client } = require('agenticstar');"
  echo "(async () => {"
  grep -v "^import " "$proj/quick.mjs"
  echo "})().catch((e) => { console.error(e); process.exit(1); });"
} >"$proj/quick.cjs"
for f in quick.mjs quick.cjs; do
  if (cd "$proj" && timeout 60 node "$f") >"$work/$f.out" 2>&1 && grep -q "(stop)" "$work/$f.out"; then
    ok "node $f (README quick start): $(head -1 "$work/$f.out" | cut -c1-60)"
  else
    cat "$work/$f.out"; fail "node $f"
  fi
done
cat >"$proj/unsupported.cjs" <<'JS'
Object.defineProperty(process, 'platform', { value: 'aix' });
try { require('agenticstar'); console.log('loaded?!'); } catch (e) { console.log(e.message); }
JS
msg=$(cd "$proj" && node unsupported.cjs)
if [[ "$msg" == *"not supported: aix-"* && "$msg" == *"Supported platforms: "*"$key"* ]]; then
  ok "node: unsupported platform -> \"${msg:0:110}...\""
else
  fail "node unsupported platform message: $msg"
fi

# ---------------------------------------------------------------- 3. Kotlin (Maven consumer)
jar="$dist/kotlin/agenticstar-$version.jar"
mvn_q() { mvn -q -B -Dstyle.color=never "$@" 2>&1 | sed -e 's/\x1b\[[0-9;]*m//g'; }
mvn_q install:install-file -Dfile="$jar" -DpomFile="$dist/kotlin/agenticstar-$version.pom" \
  -Dsources="$dist/kotlin/agenticstar-$version-sources.jar" -Djavadoc="$dist/kotlin/agenticstar-$version-javadoc.jar"
cp -r "$root/scripts/install-test/maven-consumer" "$work/consumer"
(cd "$work/consumer" && mvn_q -Dagenticstar.version="$version" compile dependency:build-classpath -Dmdep.outputFile=cp.txt)
if (cd "$work/consumer" && timeout 120 java -cp "target/classes:$(cat cp.txt)" MainKt "$url") >"$work/kt.out" 2>&1 &&
   grep -q "deltas: [1-9]" "$work/kt.out"; then
  ok "kotlin: consumer project on the installed jar, no jna.library.path: $(head -1 "$work/kt.out" | cut -c1-60)"
else
  cat "$work/kt.out"; fail "kotlin consumer"
fi

# ---------------------------------------------------------------- 4. aarch64 under qemu-user
arm="$dist/cli/agenticstar-$version-aarch64-unknown-linux-gnu.tar.gz"
if [ -f "$arm" ] && [ "$(uname -m)" != aarch64 ]; then
  tar -C "$work" -xzf "$arm"
  if timeout 600 qemu-aarch64 -L /usr/aarch64-linux-gnu "$work/agenticstar-$version-aarch64-unknown-linux-gnu/agenticstar" demo \
     >"$work/arm.out" 2>&1; then
    ok "aarch64 CLI ran 'demo' under qemu-user: $(grep -c '^== ' "$work/arm.out") steps"
  else
    tail -20 "$work/arm.out"; fail "aarch64 demo under qemu"
  fi
fi

echo "install: $passed passed, $failed failed"
[ "$failed" = 0 ]
}
main "$@"
