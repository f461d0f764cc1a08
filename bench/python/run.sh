#!/usr/bin/env bash
# Python benchmarks of the agenticstar package, called by bench/run:
#
#   bash bench/python/run.sh <corpus_dir>     (BENCH_QUICK=1: small sizes, seconds)
#
# Prints table rows (| benchmark | MB/s | events/s | result | target |) on stdout, progress on
# stderr. Uses its own venv, $target/bench-py/venv, with the package installed from a RELEASE
# wheel (python/run-tests.sh's .venv holds a debug build, which would measure debug code) and the
# pinned peers below. Builds the wheel and the release emulator when needed (cargo no-ops when fresh).
#
# BENCH_PY_PARTS=memory,e2e,token,load picks parts; BENCH_JOBS is cargo's -j (default 2).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
corpus=${1:?usage: bench/python/run.sh <corpus_dir>}
corpus=$(cd "$corpus" && pwd) || { echo "bench/python: no corpus dir $1" >&2; exit 2; }
[ -f "$corpus/chat.sse" ] && [ -f "$corpus/corpus.json" ] || { echo "bench/python: $corpus lacks chat.sse / corpus.json" >&2; exit 2; }
target=${CARGO_TARGET_DIR:-$root/target}
jobs=${BENCH_JOBS:-2}
dir=$target/bench-py
venv=$dir/venv
PEERS="httpx==0.28.1 httpx-sse==0.4.3 openai==3.54.0 maturin==1.16.0"

say() { echo "bench/python: $*" >&2; }
die() { say "FAILED: $*"; exit 1; }

command -v python3 >/dev/null || die "python3 not found"
mkdir -p "$dir"

# 1. The venv and the pinned peers (once; the stamp records what was installed).
if [ ! -x "$venv/bin/python" ]; then
  say "creating $venv"
  python3 -m venv "$venv" || die "python3 -m venv failed"
fi
if [ "$(cat "$venv/.peers" 2>/dev/null || true)" != "$PEERS" ]; then
  say "installing $PEERS"
  # shellcheck disable=SC2086
  "$venv/bin/python" -m pip install -q --disable-pip-version-check $PEERS || die "pip install of the peers failed"
  echo "$PEERS" >"$venv/.peers"
fi

# 2. The package, from a release wheel; reinstalled only when the wheel changed.
say "building the release wheel (maturin, -j$jobs)"
rm -rf "$dir/wheels"
(cd "$root/python" && CARGO_BUILD_JOBS=$jobs "$venv/bin/maturin" build -q --release --features bench -o "$dir/wheels" >&2) \
  || die "maturin build --release failed"
wheel=$(ls "$dir"/wheels/agenticstar-*.whl 2>/dev/null | head -1)
[ -n "$wheel" ] || die "no wheel in $dir/wheels"
# The wheel's zip metadata changes on every build; its extension + Python sources identify it.
sig=$( (unzip -p "$wheel" 'agenticstar/*' | sha256sum) 2>/dev/null | cut -c1-64)
if [ "$(cat "$venv/.wheel" 2>/dev/null || true)" != "$sig" ] \
   || ! "$venv/bin/python" -c 'import agenticstar._native' 2>/dev/null; then
  say "installing $(basename "$wheel")"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-deps --force-reinstall "$wheel" \
    || die "pip install of the wheel failed"
  echo "$sig" >"$venv/.wheel"
fi

# 3. The emulator, release build.
emulator=$target/release/agenticstar
say "building the emulator (cargo build --release -p agenticstar-cli)"
(cd "$root" && cargo build -q -j"$jobs" --release -p agenticstar-cli >&2) || die "cannot build the emulator"

# 4. The measurements. Run from an empty dir so `import agenticstar` cannot pick up python/src.
echo "Python $("$venv/bin/python" -c 'import platform; print(platform.python_version())'): agenticstar (release wheel) vs httpx-sse 0.4.3 / httpx 0.28.1 / openai 3.54.0$([ "${BENCH_QUICK:-}" = 1 ] && echo ', quick')"
cd "$dir"
"$venv/bin/python" -X faulthandler "$root/bench/python/bench.py" "$corpus" "$emulator" || die "bench.py failed (exit $?)"
