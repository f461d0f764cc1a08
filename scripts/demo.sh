#!/usr/bin/env bash
# The main job: start the bundled emulator in process and run the whole path — tokens for every
# dialect, a streamed reply (Chat API), a refresh ahead of expiry, sign-in with PKCE, an A2A
# agent followed as it streams a task, and an MCP server in both protocol eras — narrating each step.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo run -q -j2 -p agenticstar-cli -- demo
