#!/usr/bin/env bash
# Measures what a new user waits for: from `git clone` to the first streamed token, installing from
# dist/ instead of building (no Rust toolchain on PATH). Prints seconds per step and the total,
# for Python (wheel into a fresh venv) and Node (npm tarballs into a clean project).
#   scripts/time-to-first-token.sh [DIST_DIR] [REPO_URL]    (defaults: dist/, this checkout)
# A measurement, not a test: nothing asserts on the times.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dist=$(cd "${1:-$root/dist}" && pwd)
repo=${2:-$root}
version=$(python3 "$root/scripts/version.py")
PATH=$(echo "$PATH" | tr ':' '\n' | grep -v -e '\.cargo/bin' -e '\.rustup' | paste -sd: -)
export PATH
work=$(mktemp -d)
emu_pid=
trap '[ -n "$emu_pid" ] && kill "$emu_pid" 2>/dev/null; rm -rf "$work"' EXIT
now() { date +%s.%N; }
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):6.1f}s')" "$1" "$(now)"; }

first_token() {  # $1 = command printing the stream; prints seconds until its first byte of output
  python3 - "$@" <<'PY'
import subprocess, sys, time
t = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.PIPE)
p.stdout.read(1)
first = time.monotonic() - t
p.stdout.read(); p.wait()
print(f"{first:6.2f}s")
PY
}

t0=$(now)
git clone -q "$repo" "$work/agenticstar"
t_clone=$(now)
echo "git clone:                               $(since "$t0")"
cd "$work/agenticstar"
t=$(now)
tar -C "$work" -xzf "$dist/cli/agenticstar-$version-x86_64-unknown-linux-gnu.tar.gz"
"$work/agenticstar-$version-x86_64-unknown-linux-gnu/agenticstar" emulator --port 0 >"$work/emu.out" 2>/dev/null &
emu_pid=$!
for _ in $(seq 100); do grep -q ready "$work/emu.out" 2>/dev/null && break; sleep 0.05; done
url=$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1]).readline())["url"])' "$work/emu.out")
t_emu=$(now)
echo "emulator from dist/cli:                  $(since "$t")"

t=$(now)
python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "$dist"/python/agenticstar-*-manylinux*_x86_64.whl
echo "python: venv + pip install wheel:        $(since "$t")"
cat >"$work/q.py" <<PY
import agenticstar
c = agenticstar.Client(provider=agenticstar.Provider.agenticstar("$url"), client_id="saas-cc-client",
                       client_secret="saas-cc-secret", api_url="$url")
with c.chat.stream(messages=[{"role": "user", "content": "Hello!"}]) as s:
    for chunk in s:
        print(chunk.text, end="", flush=True)
PY
echo "python: start to first token:            $(first_token "$work/venv/bin/python" "$work/q.py")"
echo "python: clone to first token (total):    $(since "$t0")"

t1=$(now)
mkdir "$work/app" && cd "$work/app" && npm init -y >/dev/null
npm install -q --offline --no-audit --no-fund "$dist/npm/agenticstar-$version.tgz" \
  "$dist/npm/agenticstar-linux-x64-gnu-$version.tgz" >/dev/null 2>&1
echo "node: npm install tarballs:              $(since "$t1")"
cat >"$work/app/q.mjs" <<JS
import { Client } from 'agenticstar';
const c = new Client({ provider: { type: 'agenticstar', authUrl: '$url' }, clientId: 'saas-cc-client',
  clientSecret: 'saas-cc-secret', apiUrl: '$url' });
for await (const chunk of c.chat.stream({ messages: [{ role: 'user', content: 'Hello!' }] }))
  process.stdout.write(chunk.choices[0]?.delta.content ?? '');
JS
echo "node: start to first token:              $(first_token node "$work/app/q.mjs")"
# Node's own path: clone and emulator (shared above) plus its install and run, not Python's steps.
echo "node: clone to first token (total):      $(python3 -c "import sys; a = [float(x) for x in sys.argv[1:]]; print(f'{a[1] - a[0] + a[3] - a[2]:6.1f}s')" "$t0" "$t_emu" "$t1" "$(now)")"
