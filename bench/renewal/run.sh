#!/usr/bin/env bash
# get_token() latency across a renewal (two windows) in Rust, Python and Node: one emulator,
# a token endpoint delayed by 2 s, table rows on stdout (paste into bench/RESULTS.md).
#   bench/renewal/run.sh            (needs the release CLI, the .venv with the Python package and
#                                    node/ built: python/run-tests.sh and node/run-tests.sh do that)
#   bench/renewal/run.sh --bindings (Python and Node only, on the packages those scripts built, with
#                                    the debug CLI as the emulator: no release build)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$root"
jobs=${BENCH_JOBS:-2}
if [ "${1:-}" = --bindings ]; then
    cli=${AGENTICSTAR_CLI:-target/debug/agenticstar}
    [ -x "$cli" ] || cargo build -q -j"$jobs" -p agenticstar-cli
else
    cargo build -q -j"$jobs" --release -p agenticstar-bench --bin renewal -p agenticstar-cli
    target/release/renewal
    cli=target/release/agenticstar
fi
log=$(mktemp)
"$cli" emulator --port 0 >"$log" &
emu=$!
trap 'kill $emu 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q '"url"' "$log" && break; sleep 0.1; done
url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$log" | head -1)
if [ -x .venv/bin/python ]; then .venv/bin/python bench/renewal/renewal.py "$url"; else echo "| python: skipped (no .venv) | | | | |"; fi
if [ -f node/dist/index.mjs ]; then node bench/renewal/renewal.mjs "$url"; else echo "| node: skipped (node/ not built) | | | | |"; fi
