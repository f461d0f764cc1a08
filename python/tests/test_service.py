"""The core surface through the generic Service glue (sync and async), using the diagnostic
``echo`` service; and every wrapper's method table checked against the core's."""

from __future__ import annotations

import asyncio
import json
from typing import List

import pytest
from conftest import Emulator

import agenticstar as a
from agenticstar import _native
from agenticstar._exceptions import _CLASS_BY_KIND
from agenticstar._service import WRAPPERS, method_table_mismatch


def test_every_service_kind_has_wrappers_matching_core() -> None:
    # Kinds whose wrappers their helpers are still writing; remove a kind when its wrapper lands.
    pending: set[str] = set()
    assert set(a.SERVICE_KINDS) - pending == set(WRAPPERS), "a core service kind has no Python wrapper (or the reverse)"
    for kind, classes in WRAPPERS.items():
        core = _native.service_methods(kind)
        assert core is not None, kind
        for cls in classes:
            assert method_table_mismatch(cls, json.loads(core)) == {
                "not_in_wrapper": [],
                "not_in_core": [],
                "not_implemented": [],
            }, cls


def test_call_and_stream_sync(emu: Emulator) -> None:
    with emu.client().service("echo", cls=a.EchoService) as s:
        assert {m["name"] for m in s.methods()} == set(a.EchoService.METHODS)
        assert s.echo(text="こんにちは", tool_call_id="t1", n=[1, 2.5, None, True]) == {
            "text": "こんにちは",
            "toolCallId": "t1",
            "n": [1, 2.5, None, True],
        }
        got: List[int] = []
        with pytest.raises(a.StreamError) as info:
            for item in s.count(600, fail={"kind": "stream_error", "message": "late"}):
                got.append(item["i"])
        assert got == list(range(600)) and info.value.message == "late"
        with pytest.raises(a.ConfigError):
            s.call("no_such_method")


def test_every_kind_crosses_as_its_class(emu: Emulator) -> None:
    s = emu.client().service("echo")
    for kind in _native.error_kinds():
        with pytest.raises(a.AgenticStarError) as info:
            s.call("fail", kind=kind, status=418, code="c", retry_after_ms=1500, details={"data": [1]})
        e = info.value
        assert type(e) is _CLASS_BY_KIND[kind]
        assert (e.kind, e.status, e.code, e.retry_after, e.details) == (kind, 418, "c", 1.5, {"data": [1]})


def test_cancel_ends_a_stream(emu: Emulator) -> None:
    s = emu.client().service("echo", cls=a.EchoService)
    stream = s.wait_forever()
    it = iter(stream)
    assert next(it) == {"waiting": True}
    stream.close()
    assert list(it) == []


async def test_call_and_stream_async(emu: Emulator) -> None:
    async with await emu.async_client().service("echo", cls=a.AsyncEchoService) as s:
        assert await s.echo(x=1) == {"x": 1}
        items = [i["i"] async for i in s.count(5)]
        assert items == [0, 1, 2, 3, 4]
        with pytest.raises(a.RateLimitError):
            await s.fail("rate_limited")
        stream = s.wait_forever()
        assert await stream.__anext__() == {"waiting": True}
        # A cancelled read (the task is cancelled while waiting) leaves the stream closed.
        pending = asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0.05)
        pending.cancel()
        with pytest.raises((asyncio.CancelledError, StopAsyncIteration)):
            await pending
        await stream.aclose()


def test_unknown_service_kind(emu: Emulator) -> None:
    with pytest.raises(a.ConfigError):
        emu.client().service("nope")
