"""The language-neutral vectors in ../testdata, run through the public client over HTTP exactly as
the Rust, Node and Kotlin suites run them: the emulator replays a vector's stream bytes (with its
chunk splits) or serves its token answer. A case that passes elsewhere and fails here is a bug in
this binding."""
from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

import agenticstar as a

TESTDATA = Path(__file__).resolve().parents[2] / "testdata"
USER: List[a.MessageParam] = [{"role": "user", "content": "replay"}]


def cases(name: str) -> List[Dict[str, Any]]:
    return json.loads((TESTDATA / name).read_text(encoding="utf-8"))["cases"]  # type: ignore[no-any-return]


def token_client(emu: Any, dialect: str) -> Tuple[a.Client, str]:
    """A client of ``dialect``'s token endpoint, without retries (a vector's 429/503 is the answer)."""
    kind, endpoint = {"oauth": ("oauth", "saas.token"), "marketplace": ("marketplace", "marketplace.token"), "wrapped": ("wrapped", "wrapped.token")}[dialect]
    return emu.client(kind, max_retries=0), endpoint


def replayed(emu: Any, case: Dict[str, Any]) -> List[Dict[str, Any]]:
    """What the chat client yields for the vector's stream: chunks, then the error if any."""
    replay = {k: case[k] for k in ("chunks", "hex_chunks") if k in case}
    emu.fault(endpoint="chat.completions", replay=replay)
    got: List[Dict[str, Any]] = []
    try:
        with emu.client("saas").chat.stream(messages=USER) as s:
            for ch in s:
                role = ch.choices[0].delta.role if ch.choices else None
                got.append({"text": ch.text, "role": role, "finish_reason": ch.finish_reason})
    except a.AgenticStarError as e:
        got.append({"error": {"kind": e.kind, "code": e.code}})
    return got


def test_sse(emu: Any) -> None:
    for c in cases("sse.json"):
        got = [{"text": x["text"]} if "text" in x else x for x in replayed(emu, c)]
        assert got == c["chat"], c["name"]


def test_chat(emu: Any) -> None:
    for c in cases("chat.json"):
        want = [] if c.get("expect") == {"done": True} else [c["expect"] if "expect" in c else {"error": c["error"]}]
        assert replayed(emu, c) == want, c["name"]


def test_tokens(emu: Any) -> None:
    for c in cases("tokens.json"):
        emu.reset()
        client, endpoint = token_client(emu, c["dialect"])
        emu.fault(endpoint=endpoint, status=c["status"], body=c["body"])
        if "expect" in c:
            t = client.get_token()
            w = c["expect"]
            assert t.expires_in is not None and w["expires_in"] - 5 < t.expires_in <= w["expires_in"], c["name"]
            got = {
                "access_token": t.access_token,
                "token_type": t.token_type,
                "expires_in": math.ceil(t.expires_in),
                "refresh_token": t.refresh_token,
                "id_token": t.id_token,
                "scope": None if t.scopes is None else " ".join(t.scopes),
            }
            assert got == w, c["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                client.get_token()
            e = info.value
            assert {"kind": e.kind, "status": e.status, "code": e.code, "code_reason": e.code_reason} == c["error"], c["name"]


def test_callbacks(emu: Any) -> None:
    """The callback URL given to ``complete_authorization``; the code reaches the token endpoint."""
    client = emu.client("oauth", client_id="saas-app-client", client_secret="saas-app-secret", flow="authorization_code")
    for c in cases("callbacks.json"):
        emu.reset()
        saved = {"url": emu.url, "redirect_uri": c["redirect_uri"], "state": c["state"], "nonce": "n"}
        request = a.AuthorizationRequest.from_json(json.dumps(saved))
        if "expect" in c:
            emu.fault(endpoint="saas.token", status=200, body={"access_token": "at", "token_type": "Bearer", "expires_in": 60})
            client.complete_authorization(request, c["callback"])
            assert {"code": emu.requests("saas.token")[-1]["form"]["code"]} == c["expect"], c["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                client.complete_authorization(request, c["callback"])
            assert {"kind": info.value.kind, "code": info.value.code} == c["error"], c["name"]
            assert emu.requests("saas.token") == [], c["name"]


def test_scopes(emu: Any) -> None:
    """The granted scopes arrive in a token answer; the token says what they allow."""
    for c in cases("scopes.json"):
        emu.reset()
        emu.fault(endpoint="saas.token", status=200, body={"access_token": "at", "token_type": "Bearer", "expires_in": 60, "scope": c["granted"]})
        t = emu.client("oauth").get_token()
        for s in c["allows"]:
            assert t.has_scope(s), (c["granted"], s)
        for s in c["denies"]:
            assert not t.has_scope(s), (c["granted"], s)


NAMED = ("model", "temperature", "max_tokens", "stream_options")


def test_chat_requests(emu: Any) -> None:
    """The same request gives the same bytes on the wire as in every other language."""
    c = emu.client("saas")
    for case in cases("chat_requests.json"):
        req = dict(case["request"])
        kw = {k: req.pop(k) for k in NAMED if k in req}
        messages = req.pop("messages")
        sent = len(emu.requests("chat.completions"))
        if "body" in case:
            with c.chat.stream(messages=messages, extra_body=req, **kw) as s:
                for _ in s:
                    pass
            recorded = emu.requests("chat.completions")
            assert len(recorded) == sent + 1, case["name"]
            assert recorded[-1]["body"] == case["body"], case["name"]
        else:
            with pytest.raises(a.AgenticStarError) as info:
                with c.chat.stream(messages=messages, extra_body=req, **kw) as s:
                    for _ in s:
                        pass
            assert {"kind": info.value.kind} == case["error"], case["name"]
            assert len(emu.requests("chat.completions")) == sent, case["name"]
