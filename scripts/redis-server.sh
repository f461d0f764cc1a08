#!/usr/bin/env bash
# Makes sure Debian's redis-server (and redis-cli) are installed; the fleet tests start their own
# servers on free loopback ports. `--install-only` is the only mode (kept explicit for callers).
set -euo pipefail
if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq redis-server >/dev/null
    # The package starts a system service on 6379; the tests do not use it.
    $SUDO systemctl stop redis-server 2>/dev/null || $SUDO service redis-server stop 2>/dev/null || true
fi
redis-server --version
