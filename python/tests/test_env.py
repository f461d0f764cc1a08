"""Client options from the AGENTICSTAR_* variables (the CLI's names), explicit arguments winning."""

from __future__ import annotations

import pytest
from conftest import ENV_VARS, Emulator, raises

import agenticstar as a


@pytest.fixture
def env(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for k in ENV_VARS:
        monkeypatch.delenv(k, raising=False)
    monkeypatch.setenv("AGENTICSTAR_AUTH_URL", emu.url)
    monkeypatch.setenv("AGENTICSTAR_API_URL", emu.url)
    monkeypatch.setenv("AGENTICSTAR_CLIENT_ID", "saas-cc-client")
    monkeypatch.setenv("AGENTICSTAR_CLIENT_SECRET", "saas-cc-secret")
    monkeypatch.setenv("AGENTICSTAR_SCOPE", "chat:all")
    return monkeypatch


def test_environment_builds_a_working_client(env: pytest.MonkeyPatch) -> None:
    c = a.Client()
    assert c.get_token().scopes == ["chat:all"]
    assert c.chat.create(messages=[{"role": "user", "content": "hi"}]).text.endswith("You said: hi")


async def test_environment_builds_a_working_async_client(env: pytest.MonkeyPatch) -> None:
    c = a.AsyncClient()
    assert (await c.get_token()).scopes == ["chat:all"]


def test_explicit_arguments_win(emu: Emulator, env: pytest.MonkeyPatch) -> None:
    assert a.Client(scope="openid").get_token().scopes == ["openid"]
    with raises(a.InvalidClientError):
        a.Client(client_secret="wrong").get_token()
    # Another application does not take the variable's secret along.
    with raises(a.AgenticStarError):
        a.Client(client_id="saas-mgmt-client").get_token()
    # An explicit provider wins over AGENTICSTAR_AUTH_URL.
    env.setenv("AGENTICSTAR_AUTH_URL", "http://127.0.0.1:9")
    assert a.Client(provider=a.Provider.agenticstar(emu.url)).get_token().scopes == ["chat:all"]


def test_missing_provider_names_the_variable(env: pytest.MonkeyPatch) -> None:
    env.delenv("AGENTICSTAR_AUTH_URL")
    env.setenv("AGENTICSTAR_PROVIDER", "oidc")
    with raises(a.ConfigError) as info:
        a.Client()
    assert "AGENTICSTAR_AUTH_URL" in str(info.value)
