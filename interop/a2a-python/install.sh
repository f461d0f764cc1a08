#!/usr/bin/env bash
# Installs the pinned a2a-sdk peer into interop/a2a-python/.venv (idempotent; gitignored).
set -euo pipefail
cd "$(dirname "$0")"
if [ ! -x .venv/bin/python ]; then
  python3 -m venv .venv
fi
if ! .venv/bin/python -c 'import importlib.metadata as m; assert m.version("a2a-sdk") == "1.3.0"' 2>/dev/null; then
  .venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
fi
echo "$PWD/.venv/bin/python"
