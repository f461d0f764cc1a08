"""The language-neutral vectors in ../testdata, run against the core exactly as the Rust, Node and
Kotlin suites run them. A case that passes elsewhere and fails here is a bug in this binding."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import pytest

import agenticstar as a
from agenticstar import _native

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"


def cases(name: str) -> List[Dict[str, Any]]:
    return json.loads((TESTDATA / name).read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def test_sse() -> None:
    for c in cases("sse.json"):
        chunks = [bytes.fromhex(h) for h in c["hex_chunks"]] if "hex_chunks" in c else [s.encode() for s in c["chunks"]]
        events, retry = _native.sse_decode(chunks)
        assert [{"event": e, "data": d, "id": i} for e, d, i in events] == c["events"], c["name"]
        assert retry == c["retry"], c["name"]


def test_tokens() -> None:
    for c in cases("tokens.json"):
        if "expect" in c:
            assert _native.parse_token_response(c["dialect"], c["status"], c["body"].encode()) == c["expect"], c["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                _native.parse_token_response(c["dialect"], c["status"], c["body"].encode())
            e = info.value
            got = {"kind": e.kind, "status": e.status, "code": e.code, "code_reason": e.code_reason}
            assert got == c["error"], c["name"]


def test_chat() -> None:
    for c in cases("chat.json"):
        if "expect" in c:
            got = _native.decode_chat_event(c["event"], c["data"])
            assert (got if got is not None else {"done": True}) == c["expect"], c["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                _native.decode_chat_event(c["event"], c["data"])
            assert {"kind": info.value.kind, "code": info.value.code} == c["error"], c["name"]


def test_callbacks() -> None:
    for c in cases("callbacks.json"):
        if "expect" in c:
            assert {"code": _native.parse_callback(c["state"], c["callback"])} == c["expect"], c["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                _native.parse_callback(c["state"], c["callback"])
            assert {"kind": info.value.kind, "code": info.value.code} == c["error"], c["name"]


def test_scopes() -> None:
    for c in cases("scopes.json"):
        for s in c["allows"]:
            assert _native.scopes_allow(c["granted"], s), (c["granted"], s)
        for s in c["denies"]:
            assert not _native.scopes_allow(c["granted"], s), (c["granted"], s)
