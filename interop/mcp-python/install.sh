#!/usr/bin/env bash
# The official Python MCP server (PyPI mcp==2.3.0) and uvicorn in their own venv, for the interop
# tests (core/tests/suite/interop_mcp_python.rs and the binding suites).
set -euo pipefail
cd "$(dirname "$0")"
[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
