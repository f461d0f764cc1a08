"""The Authorization Code flow with PKCE, sync and async, and its failure modes."""

from __future__ import annotations

import time
import urllib.parse
from typing import Dict, Optional

import pytest
from conftest import Emulator, check_exception, raises

import agenticstar as a

SCOPE = "openid chat:exec"


def query(url: str) -> Dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def test_sign_in_sync(emu: Emulator) -> None:
    seen = []
    c = emu.client("app", on_token=seen.append)
    redirect = f"http://127.0.0.1:{emu.port}/callback"
    req = c.authorize_url(redirect, scope=SCOPE, ui_locales="ja en")
    q = query(req.url)
    assert req.url.startswith(emu.url + "/federation/auth/v1/authorize?")
    assert q["state"] == req.state and q["nonce"] == req.nonce and q["redirect_uri"] == redirect
    assert q["code_challenge_method"] == "S256" and req.code_verifier and q["code_challenge"] != req.code_verifier
    assert req.state not in repr(req) and req.nonce not in repr(req)
    # Kept across the browser round trip, e.g. in a web session.
    req = a.AuthorizationRequest.from_json(req.to_json())
    callback = emu.follow_authorize(req.url)
    assert req.parse_callback(callback) == query(callback)["code"]
    signin = c.complete_authorization(req, callback)
    assert signin.id_claims is not None
    assert signin.id_claims["sub"] == "user-alice" and signin.id_claims["email"] == "alice@example.com"
    t = signin.token
    assert t.refresh_token and t.id_token and t.has_scope("chat:exec")
    assert seen and seen[-1].access_token == t.access_token
    assert c.get_token().access_token == t.access_token
    with c.chat.stream(messages=[{"role": "user", "content": "as alice"}]) as s:
        assert "".join(ch.text for ch in s).endswith("as alice")
    # Refresh rotates the refresh token.
    t2 = c.force_refresh()
    assert t2.refresh_token and t2.refresh_token != t.refresh_token
    assert emu.requests("saas.token")[-1]["form"]["grant_type"] == "refresh_token"
    c.sign_out()
    with raises(a.SignInRequiredError):
        c.get_token()


async def test_sign_in_async(emu: Emulator) -> None:
    async with emu.async_client("app") as c:
        req = await c.authorize_url(f"http://localhost:{emu.port}/cb", scope=SCOPE, pkce=False)
        assert req.code_verifier is None and "code_challenge" not in query(req.url)
        signin = await c.complete_authorization(req, emu.follow_authorize(req.url))
        assert signin.id_claims and signin.id_claims["name"] == "Alice"
        assert (await c.get_token()).access_token == signin.token.access_token
        completion = await c.chat.create(messages=[{"role": "user", "content": "x"}])
        assert completion.text.endswith("x")


def test_denied_and_state_mismatch(emu: Emulator) -> None:
    c = emu.client("app")
    req = c.authorize_url(f"http://127.0.0.1:{emu.port}/cb", scope=SCOPE)
    emu.fault(endpoint="saas.authorize", deny=True)
    with raises(a.AuthorizationDeniedError, kind="authorization_denied", code="access_denied"):
        c.complete_authorization(req, emu.follow_authorize(req.url))
    callback = emu.follow_authorize(req.url)
    forged = callback.replace(req.state, "forged-state")
    with raises(a.StateMismatchError, kind="state_mismatch"):
        c.complete_authorization(req, forged)
    with raises(a.StateMismatchError):
        req.parse_callback(forged)
    assert emu.counter("saas.token") == 0  # nothing was exchanged


@pytest.mark.parametrize(
    "spoil,cls",
    [
        ("tamper", a.IdTokenSignatureError),
        ("wrong_nonce", a.IdTokenNonceError),
        ("wrong_aud", a.IdTokenAudienceError),
        ("wrong_iss", a.IdTokenIssuerError),
        ("expired", a.IdTokenExpiredError),
    ],
)
def test_id_token_checks(emu: Emulator, spoil: str, cls: type) -> None:
    c = emu.client("app")
    req = c.authorize_url(f"http://127.0.0.1:{emu.port}/cb", scope=SCOPE)
    callback = emu.follow_authorize(req.url)
    emu.fault(endpoint="saas.token", id_token=spoil)
    with raises(cls) as info:
        c.complete_authorization(req, callback)
    assert isinstance(info.value, a.IdTokenError)
    check_exception(info.value, [query(callback)["code"], req.state, req.nonce])
    assert c.current_token is None  # a session whose id_token failed is not kept


class Store:
    def __init__(self, data: Dict[str, a.StoredToken]) -> None:
        self.data = data

    def load(self, key: str) -> Optional[a.StoredToken]:
        return self.data.get(key)

    def save(self, key: str, token: a.StoredToken) -> None:
        self.data[key] = token


def test_reused_refresh_token_means_sign_in_again(emu: Emulator) -> None:
    store = Store({})
    c = emu.client("app", token_store=store)
    req = c.authorize_url(f"http://127.0.0.1:{emu.port}/cb", scope=SCOPE)
    c.complete_authorization(req, emu.follow_authorize(req.url))
    old = a.StoredToken(**store.data[c.store_key])
    c.force_refresh()  # spends (rotates) the refresh token
    # Another process still holds the spent refresh token and an expired access token.
    old["expires_at"] = int(time.time()) - 10
    c2 = emu.client("app", token_store=Store({c.store_key: old}))
    with raises(a.SignInRequiredError, kind="sign_in_required", extra_secrets=[str(old.get("refresh_token"))]):
        c2.get_token()
