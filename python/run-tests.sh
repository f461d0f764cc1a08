#!/usr/bin/env bash
# Build the Python package into a venv and run its tests against the emulator.
# Idempotent: re-runs reuse the venv, the cargo cache and the emulator binary.
set -euo pipefail
cd "$(dirname "$0")"
REPO="$(cd .. && pwd)"
VENV="$REPO/.venv"
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"   # shared 2-core machine

# 1-2. The venv and the tools (installed once; the stamp records what was installed).
REQS="maturin==1.16.* pytest>=8 pytest-asyncio>=0.24 mypy>=1.10 ruff==0.17.6"
[ -x "$VENV/bin/python" ] || python3 -m venv "$VENV"
if [ "$(cat "$VENV/.agenticstar-reqs" 2>/dev/null || true)" != "$REQS" ]; then
    "$VENV/bin/python" -m pip install -q --upgrade pip
    # shellcheck disable=SC2086
    "$VENV/bin/python" -m pip install -q $REQS
    echo "$REQS" > "$VENV/.agenticstar-reqs"
fi
export VIRTUAL_ENV="$VENV" PATH="$VENV/bin:$PATH"

# 3. The extension, built in debug mode straight into the venv (editable install of src/). For an
#    explicit --target, as napi builds the Node addon: the two then share one compiled core.
maturin develop -q --target "$(rustc -vV | sed -n 's/^host: //p')"

# 4. The emulator (the agenticstar CLI), if nobody built it yet.
export AGENTICSTAR_CLI="${AGENTICSTAR_CLI:-$REPO/target/debug/agenticstar}"
[ -x "$AGENTICSTAR_CLI" ] || (cd "$REPO" && cargo build -j"$CARGO_BUILD_JOBS" -p agenticstar-cli)

# 4b. redis-server for the store-error tests (Debian's package; the tests start their own).
bash "$REPO/scripts/redis-server.sh" --install-only >/dev/null

# 5. Tests, then lints: ruff, mypy --strict (package + typed example), and stubtest proving the
#    hand-written _native.pyi matches the module maturin just built.
python -m pytest -q "$@"
ruff check --quiet .
echo "ruff: ok"
python -m mypy --strict --no-error-summary examples/typed_example.py src/agenticstar
echo "mypy --strict: ok"
python -m mypy.stubtest agenticstar._native --allowlist stubtest-allowlist.txt
