"""Every error kind of the core, as its exception class, with no secret in message or repr."""

from __future__ import annotations

import pickle
from typing import Any, Dict, Optional

import pytest
from conftest import Emulator, check_exception, raises

import agenticstar as a

HI = [{"role": "user", "content": "hi"}]
WRONG = "not-the-secret-3141"


def chat(c: a.Client) -> str:
    with c.chat.stream(messages=HI) as s:  # type: ignore[arg-type]
        return "".join(ch.text for ch in s)


def test_every_kind_has_a_class() -> None:
    """Core's kind list drives this: a kind added to core without a class here fails."""
    import json

    from agenticstar import _native
    from agenticstar._exceptions import _CLASS_BY_KIND, _from_native

    assert set(_CLASS_BY_KIND) == set(_native.error_kinds())
    for k, cls in _CLASS_BY_KIND.items():
        assert cls.__module__ == "agenticstar._exceptions" and issubclass(cls, a.AgenticStarError)
        d = {"kind": k, "message": "m", "status": 400, "code": "c", "codeReason": "r", "retryAfterMs": 1500}
        e = _from_native(json.dumps(d))
        assert type(e) is cls and e.kind == k and e.retry_after == 1.5
        e2 = pickle.loads(pickle.dumps(e))
        assert type(e2) is cls and (e2.kind, e2.status, e2.code, e2.code_reason) == (k, 400, "c", "r")


def test_classes_follow_the_core_table() -> None:
    """Names and parents come from core (the same in TypeScript): a mismatch fails here."""
    import json

    from agenticstar import _native

    for row in json.loads(_native.error_classes()):
        cls = getattr(a, row["className"], None)
        assert cls is not None, f"agenticstar lacks {row['className']} for kind {row['kind']}"
        assert cls.kind == row["kind"], row
        parent = getattr(a, json_parent(row["parent"])) if row["parent"] else a.AgenticStarError
        assert cls.__bases__[0] is parent, (row, cls.__bases__)


def json_parent(kind: str) -> str:
    import json

    from agenticstar import _native

    return next(r["className"] for r in json.loads(_native.error_classes()) if r["kind"] == kind)  # type: ignore[no-any-return]


def test_config_errors(emu: Emulator) -> None:
    with raises(a.ConfigError, kind="config"):
        a.Provider.keycloak(emu.url, "")
    with raises(ValueError):  # ConfigError is a ValueError too
        a.Provider.agenticstar("not a url")
    with raises(a.ConfigError):
        emu.client("saas", flow="implicit")
    with raises(a.ConfigError):
        emu.client("marketplace").chat.stream(messages=[]).__next__()
    with raises(a.InsecureTransportError, kind="insecure_transport"):
        emu.client("saas", provider=a.Provider.agenticstar("http://auth.example.com"))


@pytest.mark.parametrize(
    "kind,attrs",
    [
        ("saas", dict(status=401, code="invalid_client")),
        ("marketplace", dict(status=401)),
        ("keycloak", dict(status=401)),
        ("wrapped", dict(status=401, code="401021", code_reason="invalid_client")),
    ],
)
def test_invalid_client(emu: Emulator, kind: str, attrs: Dict[str, Any]) -> None:
    with raises(a.InvalidClientError, kind="invalid_client", **attrs):
        emu.client(kind, client_secret=WRONG).get_token()


async def test_invalid_client_async(emu: Emulator) -> None:
    with raises(a.InvalidClientError):
        await emu.async_client("saas", client_secret=WRONG).get_token()
    # The error also comes from the first read of a stream.
    with raises(a.InvalidClientError):
        async for _ in emu.async_client("saas", client_secret=WRONG).chat.stream(messages=HI):  # type: ignore[arg-type]
            pass


def test_invalid_request_and_unauthorized_client(emu: Emulator) -> None:
    emu.fault(endpoint="wrapped.token", status=400, body={"error": {"code": "400013", "code_reason": "invalid_request", "message": "client_id is required"}})
    with raises(a.InvalidRequestError, status=400, code="400013", code_reason="invalid_request"):
        emu.client("wrapped").get_token()
    # The authorization-code application may not use client credentials.
    with raises(a.UnauthorizedClientError, kind="unauthorized_client", status=400):
        emu.client("app", flow="client_credentials").get_token()


def test_invalid_grant_and_sign_in_required(emu: Emulator) -> None:
    c = emu.client("app")
    with raises(a.SignInRequiredError, kind="sign_in_required"):
        c.get_token()  # nobody signed in yet
    req = c.authorize_url(f"http://127.0.0.1:{emu.port}/cb")
    with raises(a.InvalidGrantError, kind="invalid_grant", status=400, extra_secrets=["bogus-code-77"]):
        c.exchange_code(req, "bogus-code-77")


def test_authentication(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", status=401, body={"error": {"message": "invalid token", "code": "invalid_token"}}, times=2)
    c = emu.client("saas")
    with raises(a.AuthenticationError, kind="authentication", status=401) as info:
        chat(c)
    check_exception(info.value, [c.get_token().access_token])


def test_forbidden_and_api_error(emu: Emulator) -> None:
    emu.fault(endpoint="wrapped.token", status=403, body={"error": {"code": "403001", "code_reason": "forbidden", "message": "Access forbidden for this resource"}})
    with raises(a.ForbiddenError, kind="forbidden", status=403, code="403001", code_reason="forbidden"):
        emu.client("wrapped").get_token()
    emu.fault(endpoint="chat.completions", status=404, body={"error": {"code": "404001", "code_reason": "not_found", "message": "Resource or endpoint not found"}})
    with raises(a.APIError, kind="api_error", status=404, code="404001", code_reason="not_found"):
        emu.client("wrapped").chat.create(messages=HI)  # type: ignore[arg-type]


def test_licenses_exhausted(emu: Emulator) -> None:
    emu.config(licenses_exhausted=True)
    c = emu.client("keycloak")
    with raises(a.LicensesExhaustedError, kind="licenses_exhausted", status=403):
        c.get_token()
    # The core backs off instead of asking again, and says for how long.
    with raises(a.ForbiddenError) as info:
        c.get_token()
    assert info.value.retry_after is not None and info.value.retry_after > 0
    assert emu.counter("keycloak.token") == 1


def test_insufficient_scope_is_refused_before_sending(emu: Emulator) -> None:
    with raises(a.InsufficientScopeError, kind="insufficient_scope", code="insufficient_scope"):
        chat(emu.client("mgmt"))
    assert emu.counter("chat.completions") == 0


def test_rate_limited_with_retry_after(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", status=429, headers={"Retry-After": "120"}, body={"error": {"message": "slow down", "code": "rate_limited"}})
    with raises(a.RateLimitError, kind="rate_limited", status=429, retry_after=120.0):
        chat(emu.client("saas"))


def test_server_error(emu: Emulator) -> None:
    emu.fault(endpoint="saas.token", status=500, body={"error": "server_error"}, times=5)
    with raises(a.ServerError, kind="server_error", status=500):
        emu.client("saas", max_retries=1).get_token()


def test_timeouts(emu: Emulator) -> None:
    emu.fault(endpoint="saas.token", delay_ms=3000)
    with raises(a.APITimeoutError, kind="timeout"):
        emu.client("saas", timeout=0.3, max_retries=0).get_token()
    emu.fault(endpoint="chat.completions", stream="never_end", after_chunks=1)
    c = emu.client("saas", stream_idle_timeout=0.3)
    got = []
    with raises(TimeoutError):  # APITimeoutError is also the builtin TimeoutError
        for ch in c.chat.stream(messages=HI):  # type: ignore[arg-type]
            got.append(ch)
    assert got


def test_network(emu: Emulator) -> None:
    with raises(a.NetworkError, kind="network"):
        emu.client("saas", provider=a.Provider.agenticstar("http://127.0.0.1:9"), max_retries=0).get_token()


def test_unexpected_response(emu: Emulator) -> None:
    emu.fault(endpoint="saas.token", status=200, body="<html>hello</html>", content_type="text/html")
    with raises(a.UnexpectedResponseError, kind="unexpected_response", status=200):
        emu.client("saas").get_token()


@pytest.mark.parametrize(
    "fault,cls",
    [
        ({"stream": "disconnect", "after_chunks": 2}, a.StreamTruncatedError),
        ({"stream": "missing_done"}, a.StreamTruncatedError),
        ({"stream": "malformed", "after_chunks": 1}, a.StreamDecodeError),
        ({"stream": "error_event", "after_chunks": 1}, a.StreamError),
        ({"stream": "error_object", "after_chunks": 1}, a.StreamError),
        ({"stream": "huge_line"}, a.StreamTooLargeError),
    ],
)
def test_stream_errors(emu: Emulator, fault: Dict[str, Any], cls: type) -> None:
    emu.fault(endpoint="chat.completions", **fault)
    with raises(cls) as info:
        chat(emu.client("saas"))
    assert type(info.value) is cls


def test_stream_error_comes_after_the_chunks_before_it(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", stream="error_object", after_chunks=3)
    got = []
    with raises(a.StreamError, kind="stream_error", code="rate_limited"):
        for ch in emu.client("saas").chat.stream(messages=HI):  # type: ignore[arg-type]
            got.append(ch.text)
    assert len([t for t in got if t]) == 3


class BrokenStore:
    def load(self, key: str) -> Optional[a.StoredToken]:
        return None

    def save(self, key: str, token: a.StoredToken) -> None:
        pass

    def clear(self, key: str) -> None:
        raise OSError("disk full while holding saas-cc-secret")


def test_store_error(emu: Emulator) -> None:
    c = emu.client("saas", token_store=BrokenStore())
    c.get_token()
    with raises(a.StoreError, kind="store") as info:
        c.sign_out()
    assert "OSError" in str(info.value)


async def test_internal_error_from_a_panic() -> None:
    from agenticstar import _native

    with raises(a.InternalError, kind="internal"):
        _native._panic_for_tests(False)
    with raises(a.InternalError, kind="internal"):
        await _native._panic_for_tests(True)


def test_closed_client(emu: Emulator) -> None:
    c = emu.client("saas")
    c.close()
    with raises(a.ConfigError):
        c.get_token()
