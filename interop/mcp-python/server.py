"""The official Python MCP server (PyPI mcp==2.3.0) as a test peer: both eras on /mcp, an OAuth
resource server requiring `mcp:all` whose token check asks the agenticstar emulator, and a
request log at /_requests (method, headers, JSON body of every POST to /mcp).

Usage: server.py PORT EMULATOR_URL   (prints "READY" when listening)
"""

import json
import sys
import time
from typing import Any

import httpx2
import uvicorn
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from mcp.server.mcpserver import Context, MCPServer

PORT = int(sys.argv[1])
EMU = sys.argv[2]
BASE = f"http://127.0.0.1:{PORT}"
LOG: list[dict[str, Any]] = []


class EmulatorVerifier:
    """Introspection by asking the emulator who the token belongs to (expiry, revocation, resource)."""

    def __init__(self) -> None:
        self._http: httpx2.AsyncClient | None = None

    async def verify_token(self, token: str) -> AccessToken | None:
        if self._http is None:
            self._http = httpx2.AsyncClient(limits=httpx2.Limits(max_connections=8))
        r = await self._http.get(f"{EMU}/v1/me", headers={"authorization": f"Bearer {token}"})
        if r.status_code != 200:
            return None
        me = r.json()
        return AccessToken(
            token=token,
            client_id=me["client_id"],
            scopes=me["scope"].split(),
            expires_at=int(time.time()) + 3600,
            resource=me.get("resource"),
            subject=me["sub"],
        )


mcp = MCPServer(
    "py-peer",
    token_verifier=EmulatorVerifier(),
    auth=AuthSettings(
        issuer_url=f"{EMU}/federation/auth/v1",
        resource_server_url=f"{BASE}/mcp",
        required_scopes=["mcp:all"],
        validate_token_resource=True,
    ),
)


@mcp.tool()
async def add(a: int, b: int, ctx: Context) -> int:
    """Add two integers, reporting progress."""
    await ctx.report_progress(0.5, 1.0, "adding")
    return a + b


@mcp.tool()
async def slow(seconds: float, ctx: Context) -> str:
    """Sleep (for cancellation tests)."""
    import anyio

    await ctx.report_progress(0.0, seconds, "sleeping")
    try:
        await anyio.sleep(seconds)
    except anyio.get_cancelled_exc_class():
        LOG.append({"cancelled": "slow"})
        raise
    return "done"


@mcp.resource("greeting://hello", mime_type="text/plain")
def hello() -> str:
    return "Hello, world"


@mcp.prompt()
def review(code: str) -> str:
    """Review some code."""
    return f"Please review: {code}"


app = mcp.streamable_http_app(host="127.0.0.1")


async def logged(scope: Any, receive: Any, send: Any) -> None:
    if scope["type"] == "http" and scope["path"] == "/_requests":
        body = json.dumps(LOG).encode()
        await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
        await send({"type": "http.response.body", "body": body})
        return
    if scope["type"] != "http" or scope["path"] != "/mcp":
        await app(scope, receive, send)
        return
    chunks: list[bytes] = []
    more = True
    while more:
        m = await receive()
        chunks.append(m.get("body", b""))
        more = m.get("more_body", False)
    raw = b"".join(chunks)
    headers = {k.decode().lower(): v.decode() for k, v in scope["headers"] if k.decode().lower() != "authorization"}
    try:
        parsed = json.loads(raw) if raw else None
    except ValueError:
        parsed = None
    LOG.append({"method": scope["method"], "headers": headers, "body": parsed})
    sent = False

    async def replay() -> Any:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": raw, "more_body": False}
        return await receive()

    await app(scope, replay, send)


if __name__ == "__main__":
    config = uvicorn.Config(logged, host="127.0.0.1", port=PORT, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)

    import asyncio

    async def main() -> None:
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.05)
        print("READY", flush=True)
        await task

    asyncio.run(main())
