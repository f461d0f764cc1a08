"""Tokens from every provider of the core, caching, stores, listeners and logging."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from typing import Any, Dict, List, Optional

import pytest
from conftest import Emulator, assert_no_secret

import agenticstar as a

PROVIDERS = {
    # kind: (token counter, scope the token must allow or None)
    "saas": ("saas.token", "chat:exec"),
    "marketplace": ("marketplace.token", "openid"),
    "keycloak": ("keycloak.token", "template:dai:agents"),
    "wrapped": ("wrapped.token", None),
    "oidc": ("saas.token", "chat:all"),
    "oauth": ("saas.token", "chat:all"),
}


@pytest.mark.parametrize("kind", PROVIDERS)
def test_every_provider_sync(emu: Emulator, kind: str) -> None:
    counter, scope = PROVIDERS[kind]
    with emu.client(kind) as c:
        t = c.get_token()
        assert t.access_token and t.token_type == "Bearer"
        assert t.expires_in is not None and 0 < t.expires_in <= 3600
        assert t.expires_at is not None and not t.is_expired
        if scope:
            assert t.has_scope(scope), t.scopes
        assert c.get_token().access_token == t.access_token  # cached
        assert emu.counter(counter) == 1
        assert c.current_token is not None
        # The token works against the API.
        with c.chat.stream(messages=[{"role": "user", "content": "hi"}]) as s:
            text = "".join(ch.text for ch in s)
        assert text.endswith("You said: hi")
        assert "***" in repr(t) or "refresh_token=None" in repr(t)
        assert t.access_token not in repr(t)


@pytest.mark.parametrize("kind", PROVIDERS)
async def test_every_provider_async(emu: Emulator, kind: str) -> None:
    counter, _ = PROVIDERS[kind]
    async with emu.async_client(kind) as c:
        t = await c.get_token()
        assert (await c.get_token()).access_token == t.access_token
        assert emu.counter(counter) == 1
        r = await c.request("GET", "/v1/models")
        assert r.status == 200 and r.json()["data"][0]["id"] == "AGENTIC STAR"


def test_scopes_and_force_refresh(emu: Emulator) -> None:
    c = emu.client("saas", scope="openid chat:all")
    t = c.get_token()
    assert t.scopes == ["openid", "chat:all"]
    assert t.has_scope("chat:history") and not t.has_scope("mcp:exec")
    t2 = c.force_refresh()
    assert t2.access_token != t.access_token
    assert emu.counter("saas.token") == 2
    assert emu.requests("saas.token")[0]["form"]["scope"] == "openid chat:all"


def test_client_secret_basic(emu: Emulator) -> None:
    emu.client("saas", auth_method="client_secret_basic").get_token()
    assert emu.requests("saas.token")[-1]["auth_method"] == "client_secret_basic"
    emu.client("saas").get_token()
    assert emu.requests("saas.token")[-1]["auth_method"] == "client_secret_post"


class DictStore:
    def __init__(self) -> None:
        self.data: Dict[str, a.StoredToken] = {}
        self.saves = 0

    def load(self, key: str) -> Optional[a.StoredToken]:
        return self.data.get(key)

    def save(self, key: str, token: a.StoredToken) -> None:
        self.saves += 1
        self.data[key] = token

    def clear(self, key: str) -> None:
        self.data.pop(key, None)


def test_token_store_hook_and_on_token(emu: Emulator) -> None:
    store = DictStore()
    seen: List[a.Token] = []
    c1 = emu.client("saas", token_store=store, on_token=seen.append)
    t = c1.get_token()
    assert store.saves == 1 and len(seen) == 1 and seen[0].access_token == t.access_token
    saved = store.data[c1.store_key]
    assert saved["access_token"] == t.access_token and saved["scope"] == "openid chat:all"
    # A second client (another process, a restart) finds the token in the store: no request.
    c2 = emu.client("saas", token_store=store)
    assert c2.get_token().access_token == t.access_token
    assert emu.counter("saas.token") == 1
    c2.sign_out()
    assert c1.store_key not in store.data


async def test_token_store_with_async_client(emu: Emulator) -> None:
    store = DictStore()
    c = emu.async_client("saas", token_store=store)
    t = await c.get_token()
    assert store.data[c.store_key]["access_token"] == t.access_token


def test_token_file(emu: Emulator, tmp_path: Any) -> None:
    path = tmp_path / "tokens.json"
    t = emu.client("marketplace", token_store=path).get_token()
    assert (path.stat().st_mode & 0o777) == 0o600
    assert any(v["access_token"] == t.access_token for v in json.loads(path.read_text()).values())
    assert emu.client("marketplace", token_store=str(path)).get_token().access_token == t.access_token
    assert emu.counter("marketplace.token") == 1


def test_on_token_exception_is_logged_not_raised(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    def boom(_: a.Token) -> None:
        raise RuntimeError("listener bug")

    assert emu.client("saas", on_token=boom).get_token().access_token
    [rec] = [r for r in caplog.records if "on_token" in r.getMessage()]
    assert rec.name == "agenticstar" and rec.levelno == logging.ERROR and rec.exc_info


def test_revoked_token_is_renewed_once(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agenticstar")
    c = emu.client("saas")
    old = c.get_token()
    emu.admin("POST", "/admin/revoke", {"all": True})
    assert c.request("GET", "/v1/me").json()["client_id"] == "saas-cc-client"
    assert c.get_token().access_token != old.access_token
    assert emu.counter("saas.token") == 2
    assert any("401" in r.getMessage() and r.name == "agenticstar" for r in caplog.records)


def test_retries_and_refreshes_are_logged_without_secrets(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agenticstar")
    emu.fault(endpoint="saas.token", status=503, body={"error": "temporarily_unavailable"}, times=1)
    t = emu.client("saas").get_token()
    messages = [r.getMessage() for r in caplog.records if r.name == "agenticstar"]
    assert any("retry 1" in m for m in messages), messages
    assert any("requesting an access token" in m for m in messages), messages
    assert any(r.levelno == logging.WARNING for r in caplog.records if r.name == "agenticstar")
    assert_no_secret("\n".join(messages), [t.access_token])


def test_a_renewal_and_a_retry_are_logged_without_secrets(emu: Emulator, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG, logger="agenticstar")
    emu.fault(endpoint="saas.token", status=503, body={"error": "temporarily_unavailable"}, times=1)
    c = emu.client("saas", initial_backoff=0.01)
    first = c.get_token()
    emu.admin("POST", "/admin/revoke", {"all": True})
    assert c.request("GET", "/v1/me").json()["client_id"] == "saas-cc-client"
    second = c.get_token()
    records = [r for r in caplog.records if r.name == "agenticstar"]
    text = "\n".join(f"{r.levelname} {r.getMessage()}" for r in records)
    assert any(r.levelno == logging.WARNING and "retry 1" in r.getMessage() for r in records), text
    assert any(r.levelno == logging.INFO and "renewing the token" in r.getMessage() for r in records), text
    assert first.access_token != second.access_token
    assert_no_secret(text, [first.access_token, second.access_token])


async def test_50_concurrent_streams_share_one_token_request(emu: Emulator) -> None:
    c = emu.async_client("saas")

    async def one(i: int) -> str:
        async with c.chat.stream(messages=[{"role": "user", "content": f"n{i}"}]) as s:
            return "".join([ch.text async for ch in s])

    texts = await asyncio.gather(*(one(i) for i in range(50)))
    assert [t.endswith(f"You said: n{i}") for i, t in enumerate(texts)] == [True] * 50
    assert emu.counter("saas.token") == 1
    assert emu.counter("chat.completed") == 50


def test_sync_calls_release_the_gil(emu: Emulator) -> None:
    """While one thread waits on the network, other Python threads keep running."""
    emu.fault(endpoint="saas.token", delay_ms=700, times=1)
    c = emu.client("saas")
    done = threading.Event()

    def work() -> None:
        c.get_token()
        done.set()

    th = threading.Thread(target=work)
    spins = 0
    th.start()
    while not done.is_set():
        spins += 1
    th.join()
    assert spins > 1000, spins

