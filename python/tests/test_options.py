"""Client options: every default the Python signature shows is the core's, and validation is the
core's (a bad value raises ConfigError, never a silent default)."""

from __future__ import annotations

import inspect
import json
from typing import Any, Dict

import pytest
from conftest import Emulator

import agenticstar as a
from agenticstar import _native
from agenticstar._service import _camel


def test_signature_defaults_are_the_core_defaults() -> None:
    core: Dict[str, Any] = json.loads(_native.client_option_defaults())
    params = inspect.signature(a.Client.__init__).parameters
    shown = {_camel(n): p.default for n, p in params.items() if p.default is not inspect.Parameter.empty}
    # Python-only parameters (objects JSON cannot carry).
    shown.pop("onToken")
    # Left out, the client id comes from AGENTICSTAR_CLIENT_ID (the core's "not given" is empty).
    assert shown.pop("clientId") is None and core["clientId"] == ""
    shown["caCerts"] = shown["caCerts"] or []
    assert set(shown) - {"tokenStore", "clientSecret"} <= set(core), set(shown) - set(core)
    for key, value in shown.items():
        if key in core:
            assert value == core[key], (key, value, core[key])
    missing = set(core) - set(shown) - {"provider", "clientId"}
    assert not missing, f"core options the Python client does not take: {missing}"
    assert inspect.signature(a.AsyncClient.__init__) == inspect.signature(a.Client.__init__)


@pytest.mark.parametrize("key", ["timeout", "connect_timeout", "stream_idle_timeout", "refresh_window", "stream_timeout"])
@pytest.mark.parametrize("value", [-1.0, float("nan"), float("inf")])
def test_bad_durations_raise(emu: Emulator, key: str, value: float) -> None:
    with pytest.raises(a.ConfigError):
        emu.client("saas", **{key: value})


def test_unknown_enum_values_raise(emu: Emulator) -> None:
    with pytest.raises(a.ConfigError, match="client_secret_post"):
        emu.client("saas", auth_method="nope")
