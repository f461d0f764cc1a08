"""Latency of ``get_token()`` across a renewal, in Python (see bench/src/bin/renewal.rs for the plan).

Usage: python bench/renewal/renewal.py EMULATOR_URL   (prints bench/run table rows)
"""

from __future__ import annotations

import json
import sys
import threading
import time
import urllib.request
from typing import List, Tuple

import agenticstar as a


def admin(url: str, path: str, body: object) -> None:
    req = urllib.request.Request(url + path, json.dumps(body).encode(), {"content-type": "application/json"})
    urllib.request.urlopen(req).read()


def summary(v: List[float]) -> str:
    v = sorted(v)
    if not v:
        return "no calls"
    pick = lambda q: v[round((len(v) - 1) * q)]  # noqa: E731
    f = lambda s: f"{s * 1e9:.0f} ns" if s < 1e-5 else f"{s * 1e6:.1f} µs"  # noqa: E731
    return f"p50 {f(pick(0.5))} · p99 {f(pick(0.99))} · max {f(v[-1])} ({len(v)} calls)"


def main() -> None:
    url = sys.argv[1]
    admin(url, "/admin/reset", {})
    admin(url, "/admin/config", {"token_lifetime_secs": 6})
    client = a.Client(provider=a.Provider.agenticstar(url), client_id="saas-cc-client", client_secret="saas-cc-secret")
    first = client.get_token().access_token
    t0 = time.monotonic()
    admin(url, "/admin/faults", {"endpoint": "saas.token", "delay_ms": 2000})
    time.sleep(2)
    samples: List[Tuple[float, float, bool]] = []
    lock = threading.Lock()

    def caller() -> None:
        local = []
        while (at := time.monotonic() - t0) < 5.5:
            s = time.perf_counter()
            t = client.get_token()
            local.append((at, time.perf_counter() - s, t.access_token != first))
        with lock:
            samples.extend(local)

    threads = [threading.Thread(target=caller) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    before = [s[1] for s in samples if s[0] < 3]
    across = [s[1] for s in samples if s[0] >= 3]
    renewed = sum(1 for s in samples if s[2])
    with urllib.request.urlopen(url + "/admin/counters") as r:
        requests = json.load(r)["saas.token"]
    ok = "PASS" if requests == 2 and renewed > 0 else "FAIL"
    print(f"| python: Client.get_token() before the soft window (cached) | | | {summary(before)} | |")
    print(
        f"| python: Client.get_token() across a renewal (token endpoint +2 s) | | | {summary(across)}; "
        f"{renewed} calls got the new token; {requests} token requests | max ≈ cached, 2 requests: {ok} |"
    )


if __name__ == "__main__":
    main()
