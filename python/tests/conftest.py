"""Fixtures: one emulator process per test module, reset before every test."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional

import pytest

import agenticstar as a

REPO = Path(__file__).resolve().parents[2]

# Client constructors read these (core `agenticstar::env::VARS`) for what a test leaves out: a
# developer's or CI's own settings must not change what the tests see. test_env.py sets its own.
ENV_VARS = [
    "AGENTICSTAR_PROVIDER",
    "AGENTICSTAR_AUTH_URL",
    "AGENTICSTAR_REALM",
    "AGENTICSTAR_API_URL",
    "AGENTICSTAR_CLIENT_ID",
    "AGENTICSTAR_CLIENT_SECRET",
    "AGENTICSTAR_SCOPE",
    "AGENTICSTAR_TOKEN_FILE",
]
for _var in ENV_VARS:
    os.environ.pop(_var, None)
CLI = Path(os.environ.get("AGENTICSTAR_CLI", REPO / "target" / "debug" / "agenticstar"))

# Everything an exception message, repr or log line must never contain.
SECRETS = [
    "saas-cc-secret",
    "saas-app-secret",
    "saas-mgmt-secret",
    "mp-secret",
    "dai-secret",
    "wrapped-secret",
    "not-the-secret-3141",
]


class Emulator:
    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [str(CLI), "emulator", "--port", "0", "--exit-on-stdin-close"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        ready = json.loads(line)
        assert ready["ready"], line
        self.url: str = ready["url"]
        self.port = urllib.parse.urlsplit(self.url).port

    def stop(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()  # the emulator exits when its stdin closes
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def admin(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            raw = r.read()
        return json.loads(raw) if raw else None

    def reset(self) -> None:
        self.admin("POST", "/admin/reset")

    def counter(self, key: str) -> int:
        return int(self.admin("GET", "/admin/counters").get(key, 0))

    def fault(self, **fault: Any) -> None:
        self.admin("POST", "/admin/faults", fault)

    def config(self, **cfg: Any) -> None:
        self.admin("POST", "/admin/config", cfg)

    def requests(self, endpoint: str) -> List[Dict[str, Any]]:
        return self.admin("GET", "/admin/requests?endpoint=" + endpoint)  # type: ignore[no-any-return]

    def wait_counter(self, key: str, at_least: int, deadline: float = 10.0) -> int:
        """Poll until the counter reaches `at_least` (the deadline only prevents hanging)."""
        end = time.monotonic() + deadline
        while True:
            n = self.counter(key)
            if n >= at_least or time.monotonic() > end:
                return n
            time.sleep(0.02)

    def follow_authorize(self, url: str) -> str:
        """Approve like a browser would: GET the authorize URL, return the redirect (callback) URL."""
        u = urllib.parse.urlsplit(url)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
        conn.request("GET", u.path + "?" + u.query)
        resp = conn.getresponse()
        resp.read()
        conn.close()
        assert resp.status in (302, 303), resp.status
        return resp.getheader("location") or ""

    # Clients for the registered test applications.
    def kwargs(self, kind: str = "saas", **kw: Any) -> Dict[str, Any]:
        url = self.url
        base: Dict[str, Any] = {
            "saas": dict(provider=a.Provider.agenticstar(url), client_id="saas-cc-client", client_secret="saas-cc-secret", api_url=url),
            "app": dict(
                provider=a.Provider.agenticstar(url),
                client_id="saas-app-client",
                client_secret="saas-app-secret",
                api_url=url,
                flow="authorization_code",
            ),
            "mgmt": dict(provider=a.Provider.agenticstar(url), client_id="saas-mgmt-client", client_secret="saas-mgmt-secret", api_url=url),
            "marketplace": dict(provider=a.Provider.marketplace(url), client_id="mp-client", client_secret="mp-secret"),
            "keycloak": dict(provider=a.Provider.keycloak(url, "dai"), client_id="dai-client", client_secret="dai-secret", api_url=url),
            "wrapped": dict(provider=a.Provider.wrapped(url + "/v1"), client_id="wrapped-client", client_secret="wrapped-secret"),
            "oidc": dict(
                provider=a.Provider.oidc(url + "/federation/auth/v1"), client_id="saas-cc-client", client_secret="saas-cc-secret", api_url=url
            ),
            "oauth": dict(
                provider=a.Provider.oauth(url + "/federation/auth/v1/token"),
                client_id="saas-cc-client",
                client_secret="saas-cc-secret",
                api_url=url,
            ),
        }[kind]
        base.update(kw)
        return base

    def client(self, kind: str = "saas", **kw: Any) -> a.Client:
        return a.Client(**self.kwargs(kind, **kw))

    def async_client(self, kind: str = "saas", **kw: Any) -> a.AsyncClient:
        return a.AsyncClient(**self.kwargs(kind, **kw))


@pytest.fixture(scope="module")
def emu_process() -> Iterator[Emulator]:
    if not CLI.exists():
        pytest.fail(f"emulator binary not found at {CLI}: build it with `cargo build -p agenticstar-cli` or set AGENTICSTAR_CLI")
    e = Emulator()
    yield e
    e.stop()


@pytest.fixture
def emu(emu_process: Emulator) -> Emulator:
    """The module's emulator, reset to its defaults (faults and config are global to it)."""
    emu_process.reset()
    return emu_process


def assert_no_secret(text: str, extra: Optional[List[str]] = None) -> None:
    for s in SECRETS + (extra or []):
        assert s not in text, f"secret {s[:6]}... leaked into {text!r}"


def check_exception(e: BaseException, extra: Optional[List[str]] = None) -> None:
    """An SDK exception's message, repr, excerpt and attributes must not hold a secret."""
    parts = [str(e), repr(e)]
    if isinstance(e, a.AgenticStarError):
        parts += [str(e.body_excerpt), str(e.code), str(e.code_reason), str(e.headers)]
    assert_no_secret("\n".join(parts), extra)


@contextlib.contextmanager
def raises(cls: type, extra_secrets: Optional[List[str]] = None, **attrs: Any) -> Iterator[Any]:
    """pytest.raises plus a secret scan and attribute checks."""
    with pytest.raises(cls) as info:
        yield info
    check_exception(info.value, extra_secrets)
    for k, v in attrs.items():
        assert getattr(info.value, k) == v, (k, getattr(info.value, k), v)

