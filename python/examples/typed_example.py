"""A typed tour of the public API; `mypy --strict` must accept it, and it runs against the emulator.

    agenticstar emulator --port 8787 &
    python examples/typed_example.py http://127.0.0.1:8787
"""

from __future__ import annotations

import asyncio
import logging
import sys
import urllib.error
import urllib.request
from typing import Dict, List, Optional

import agenticstar
from agenticstar import (
    AgenticStarError,
    AsyncClient,
    ChatChunk,
    ChatCompletion,
    Client,
    MessageParam,
    Provider,
    RateLimitError,
    SignInRequiredError,
    StoredToken,
    Token,
)


class MemoryStore:
    """A TokenStore: any object with load/save (and optionally clear)."""

    def __init__(self) -> None:
        self.tokens: Dict[str, StoredToken] = {}

    def load(self, key: str) -> Optional[StoredToken]:
        return self.tokens.get(key)

    def save(self, key: str, token: StoredToken) -> None:
        self.tokens[key] = token

    def clear(self, key: str) -> None:
        self.tokens.pop(key, None)


def on_token(token: Token) -> None:
    expires: Optional[float] = token.expires_in
    print(f"new token, scopes={token.scopes}, expires in {expires}s")


def sync_demo(url: str) -> None:
    messages: List[MessageParam] = [{"role": "user", "content": "Hello from sync"}]
    with Client(
        provider=Provider.agenticstar(url),
        client_id="saas-cc-client",
        client_secret="saas-cc-secret",
        api_url=url,
        token_store=MemoryStore(),
        on_token=on_token,
    ) as client:
        token: Token = client.get_token()
        assert token.has_scope("chat:exec")
        with client.chat.stream(messages=messages, stream_options={"include_usage": True}) as stream:
            for chunk in stream:
                print(chunk.text, end="", flush=True)
        print(f"\n[{stream.finish_reason}] {stream.usage}")
        completion: ChatCompletion = client.chat.stream(messages=messages, on_delta=lambda c: None)
        print(completion.text, completion.choices[0].message.role)
        print(client.request("GET", "/v1/me").json())


async def async_demo(url: str) -> None:
    async with AsyncClient(
        provider=Provider.marketplace(url),
        client_id="mp-client",
        client_secret="mp-secret",
    ) as client:
        async with client.chat.stream(messages=[{"role": "user", "content": "Hello from async"}]) as stream:
            async for chunk in stream:
                delta: Optional[str] = chunk.delta.content
                print(delta or "", end="", flush=True)
        print()

        async def on_delta(chunk: ChatChunk) -> None:
            print(chunk.text, end="")

        done = await client.chat.stream(messages=[{"role": "user", "content": "callback"}], on_delta=on_delta)
        print("\n" + (done.finish_reason or ""))
        created = await client.chat.create(messages=[{"role": "user", "content": "whole"}])
        print(created.text)


def sign_in(url: str) -> None:
    client = Client(
        provider=Provider.agenticstar(url),
        client_id="saas-app-client",
        client_secret="saas-app-secret",
        api_url=url,
        flow="authorization_code",
    )
    try:
        client.get_token()
    except SignInRequiredError as e:
        print("not signed in yet:", e.kind)
    request = client.authorize_url("http://127.0.0.1:8765/callback", scope="openid chat:exec")
    saved: str = request.to_json()  # keep across the browser round trip
    # The emulator approves at once: its redirect is the callback URL a browser would reach.
    opener = urllib.request.build_opener(NoRedirect)
    try:
        opener.open(request.url)
        raise SystemExit("expected a redirect")
    except urllib.error.HTTPError as redirect:
        callback = redirect.headers["Location"]
    signin = client.complete_authorization(agenticstar.AuthorizationRequest.from_json(saved), callback)
    claims = signin.id_claims or {}
    print("signed in as", claims.get("name"), "refresh token:", signin.token.refresh_token is not None)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


def errors(url: str) -> None:
    client = Client(provider=Provider.keycloak(url, "dai"), client_id="dai-client", client_secret="wrong", api_url=url)
    try:
        client.get_token()
    except RateLimitError as e:
        retry: Optional[float] = e.retry_after
        print("slow down for", retry)
    except AgenticStarError as e:
        status: Optional[int] = e.status
        print(type(e).__name__, e.kind, status, e.code)


def main() -> None:
    logging.basicConfig(level=logging.INFO)
    url = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8787"
    sync_demo(url)
    asyncio.run(async_demo(url))
    sign_in(url)
    errors(url)


if __name__ == "__main__":
    main()
