"""A fleet worker for core/tests/fleet.rs: many concurrent ``get_token`` callers in one process.

Reads its JSON config from ``AGENTICSTAR_FLEET_WORKER`` and prints one ``FLEET-RESULT {json}`` line
(calls, errors, token fingerprint -> first seen in ms), exactly like the Rust and Node workers.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import time
from typing import Any, Dict, List

import agenticstar as a


async def main() -> None:
    cfg: Dict[str, Any] = json.loads(os.environ["AGENTICSTAR_FLEET_WORKER"])
    # The SDK's log records on stderr, level first (the harness counts the store warnings).
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    if cfg["provider"] == "keycloak":
        provider = a.Provider.keycloak(cfg["authUrl"], cfg["realm"])
    else:
        provider = a.Provider.agenticstar(cfg["authUrl"])
    client = a.AsyncClient(
        provider=provider,
        client_id=cfg["clientId"],
        client_secret=cfg["clientSecret"],
        flow=cfg["flow"],
        store_key=cfg["storeKey"],
        token_store=cfg["tokenStore"],  # a redis:// URL or an options object: core interprets it
    )
    start = time.monotonic()
    run = cfg["runMs"] / 1000
    pause = cfg["pauseMs"] / 1000
    calls = 0
    errors: List[str] = []
    tokens: Dict[str, int] = {}

    async def caller() -> None:
        nonlocal calls
        while time.monotonic() - start < run:
            try:
                t = await client.get_token()
                fp = hashlib.sha256(t.access_token.encode()).hexdigest()[:16]
                tokens.setdefault(fp, int((time.monotonic() - start) * 1000))
            except a.AgenticStarError as e:
                errors.append(f"{e.kind}: {e}")
            calls += 1
            await asyncio.sleep(pause)

    await asyncio.gather(*(caller() for _ in range(cfg["callers"])))
    print("FLEET-RESULT " + json.dumps({"calls": calls, "errors": errors[:20], "tokens": tokens}), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
