#!/usr/bin/env bash
# Builds everything and runs every test suite: Rust (core, emulator, CLI, interop with a real
# OIDC server and a real a2a-sdk A2A server), Python, Node, Kotlin (+ generated Swift checked current), and the official
# openai-python client against the emulator, then the packages installed from their artifacts.
# Installs what it needs (npm ci, venv, Maven).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_BUILD_JOBS="${CARGO_BUILD_JOBS:-2}"
# Line tables keep backtraces useful; full debug info makes every test binary slow to link.
export CARGO_PROFILE_DEV_DEBUG="${CARGO_PROFILE_DEV_DEBUG:-line-tables-only}"
# One build from scratch: incremental caches would only cost time and disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
export AGENTICSTAR_CLI="$PWD/target/debug/agenticstar"
# Every suite (Rust, Python, Node, Kotlin) fails instead of skipping when a pinned peer is missing.
export AGENTICSTAR_REQUIRE_INTEROP=1
# Client constructors read these (core agenticstar::env::VARS) for what they are not given: the
# machine's own settings must not change any suite (the env tests set their own).
unset AGENTICSTAR_PROVIDER AGENTICSTAR_AUTH_URL AGENTICSTAR_REALM AGENTICSTAR_API_URL \
  AGENTICSTAR_CLIENT_ID AGENTICSTAR_CLIENT_SECRET AGENTICSTAR_SCOPE AGENTICSTAR_TOKEN_FILE AGENTICSTAR_LOG
t0=$SECONDS
section() { printf '\n=== %s (%ds)\n' "$1" $((SECONDS - t0)); }

section "One version for every package"
python3 scripts/version.py check

section "Rust lints: rustfmt, clippy -D warnings (every crate and target; missing_docs on core), rustdoc"
cargo fmt --all --check
cargo clippy --workspace --all-targets -- -D warnings
# The core's docs: no broken intra-doc link with or without the optional `redis` feature (seconds).
RUSTDOCFLAGS="-D warnings" cargo doc -p agenticstar --no-deps
RUSTDOCFLAGS="-D warnings" cargo doc -p agenticstar --no-deps --features redis

section "Rust: core (with RedisStore against a real redis-server), emulator, CLI, interop with oidc-provider, a2a-sdk and the MCP SDK servers"
npm ci --prefix interop/oidc-provider --no-audit --no-fund --loglevel=error
bash interop/a2a-python/install.sh >/dev/null   # a2a-sdk 1.3.0 peer for the A2A interop tests
npm ci --prefix interop/mcp-node --no-audit --no-fund --loglevel=error
bash interop/mcp-python/install.sh              # mcp 2.3.0 + uvicorn peer for the MCP interop tests
bash scripts/redis-server.sh --install-only
# Default members only (core, emulator, cli); the bindings are built by their own suites below.
# The core is built once, with `redis`, for this and the fleet section; the fleet's worker-process
# scenarios (`processes::`) wait for the Python and Node packages.
cargo test --features agenticstar/redis -- --skip processes::

section "Python"
bash python/run-tests.sh

section "openai-python against the emulator"
.venv/bin/python -m pip install -q "openai==3.54.0"
.venv/bin/python -m pytest -q interop/openai-python

section "Node"
bash node/run-tests.sh

# After Python and Node: their packages (.venv, node/dist) are what the worker processes import.
section "Fleet: Rust, Python and Node worker processes sharing one real redis-server"
AGENTICSTAR_FLEET_LANGS=rust,python,node AGENTICSTAR_FLEET_PYTHON="$PWD/.venv/bin/python" \
    cargo test --features agenticstar/redis --test fleet -- --test-threads 1 processes::

section "Kotlin and Swift (uniffi)"
bash uniffi/run-tests.sh

section "Packages from their artifacts (host target, debug profile; no Rust toolchain on PATH)"
bash scripts/dist.sh --dev --out target/dist-dev
bash scripts/install-test.sh target/dist-dev

section "all suites passed"
