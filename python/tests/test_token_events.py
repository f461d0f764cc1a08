"""Store errors reach the app: the ``token_events`` service's ``store_errors`` stream, with a real
redis-server stopped under a client (non-strict: the token is still served; strict: the caller
gets the error too), and with a store object that raises."""

from __future__ import annotations

import asyncio
import shutil
import socket
import subprocess
import tempfile
import time
from typing import Any, Dict, Iterator, Optional

import pytest
from conftest import Emulator

import agenticstar as a


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Redis:
    """A throwaway redis-server on loopback (run-tests.sh installs Debian's package)."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        assert exe, "redis-server not found (python/run-tests.sh installs it)"
        self.port = _free_port()
        self.dir = tempfile.mkdtemp(prefix="agenticstar-redis-")
        args = [exe, "--bind", "127.0.0.1", "--port", str(self.port), "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen([*args, "--dir", self.dir], stdout=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture
def redis() -> Iterator[Redis]:
    r = Redis()
    yield r
    r.stop()


async def _next_error(stream: a.AsyncErrorStream) -> a.AgenticStarError:
    return await asyncio.wait_for(stream.__anext__(), 10)


@pytest.mark.parametrize("strict", [False, True])
async def test_redis_stopped_store_errors_reach_the_listener(emu: Emulator, redis: Redis, strict: bool) -> None:
    store = {"url": redis.url, "timeoutMs": 300}
    client = emu.async_client(token_store=store, strict_store=strict)
    first = await client.get_token()
    events = await client.token_events()
    assert {m["name"] for m in events.methods()} == set(a.AsyncTokenEvents.METHODS)
    stream = events.store_errors()
    redis.stop()
    if strict:
        with pytest.raises(a.StoreError) as info:
            await client.force_refresh()
        assert info.value.kind == "store"
    else:
        renewed = await client.force_refresh()  # the in-process cache carries on
        assert renewed.access_token != first.access_token
    err = await _next_error(stream)
    assert isinstance(err, a.StoreError)
    assert err.kind == "store" and isinstance(err.details, dict) and err.details["operation"] in ("lease", "load", "save")
    assert first.access_token not in str(err)
    await stream.aclose()
    await events.aclose()


class FailingStore:
    """A store object whose saves fail."""

    def load(self, key: str) -> Optional[Dict[str, Any]]:
        return None

    def save(self, key: str, token: Dict[str, Any]) -> None:
        raise OSError("disk full")


def test_a_failing_store_object_reaches_the_sync_listener(emu: Emulator) -> None:
    client = emu.client(token_store=FailingStore())
    with client.token_events() as events, events.store_errors() as stream:
        it = iter(stream)
        assert client.get_token().access_token  # not strict: served anyway
        err = next(it)
        assert type(err) is a.StoreError and err.details == {"operation": "save"}
        assert "OSError" in err.message  # the class only: its text might hold a token
