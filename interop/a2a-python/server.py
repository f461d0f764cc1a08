"""A real A2A v1.0 agent built with a2a-sdk 1.3.0, for the SDK's interop tests.

An echo agent: it opens a task for the user's message, starts work, sends the message back as one
artifact chunk per word (append=i>0, lastChunk on the last) and completes. Wired exactly as the
a2a-sdk documentation shows (DefaultRequestHandler + InMemoryTaskStore, agent card routes +
JSON-RPC routes at /a2a), behind a small ASGI bearer check that asks the token's issuer (the
emulator's `/v1/me`, an introspection-like endpoint) whether the token is live and requires
`a2a:all`.

    python server.py --issuer http://127.0.0.1:PORT [--port 0] [--word-delay-ms 40] [--tenant t1]

Prints `LISTENING http://127.0.0.1:PORT` once it accepts connections. Test hooks (no auth):
`GET /_test/requests` (JSON-RPC calls seen: method, params, A2A-Version header, auth outcome),
`GET /_test/stats` (open SSE streams, streams the client closed early), `POST /_test/reset`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import socket
import sys
from typing import Any

import httpx
import uvicorn
from a2a.helpers.proto_helpers import new_task_from_user_message
from a2a.server.agent_execution import AgentExecutor, RequestContext
from a2a.server.events import EventQueue
from a2a.server.request_handlers import DefaultRequestHandler
from a2a.server.routes import create_agent_card_routes, create_jsonrpc_routes
from a2a.server.tasks import InMemoryTaskStore, TaskUpdater
from a2a.types.a2a_pb2 import (
    AgentCapabilities,
    AgentCard,
    AgentInterface,
    AgentSkill,
    HTTPAuthSecurityScheme,
    Part,
    SecurityRequirement,
    SecurityScheme,
    StringList,
)
from starlette.applications import Starlette
from starlette.authentication import AuthCredentials, SimpleUser
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

REQUIRED_SCOPE = "a2a:all"


class EchoExecutor(AgentExecutor):
    """Echoes the user's text back as an artifact streamed word by word."""

    def __init__(self, word_delay: float) -> None:
        self.word_delay = word_delay

    async def execute(self, context: RequestContext, event_queue: EventQueue) -> None:
        message = context.message
        assert message is not None
        task = context.current_task or new_task_from_user_message(message)
        if context.current_task is None:
            await event_queue.enqueue_event(task)
        updater = TaskUpdater(event_queue, task.id, task.context_id)
        await updater.start_work()
        text = " ".join(p.text for p in message.parts if p.HasField("text"))
        if text == "append to nothing":
            # A protocol violation the SDK's task manager reports mid-stream (`event: error`, -32006).
            await updater.add_artifact([Part(text="?")], artifact_id="ghost", append=True)
            return
        words = text.split()
        for i, word in enumerate(words):
            if i > 0:
                await asyncio.sleep(self.word_delay)
            chunk = word if i == 0 else " " + word
            await updater.add_artifact(
                [Part(text=chunk)],
                artifact_id="echo",
                name="echo",
                append=i > 0,
                last_chunk=i == len(words) - 1,
            )
        await updater.complete()

    async def cancel(self, context: RequestContext, event_queue: EventQueue) -> None:
        assert context.task_id is not None and context.context_id is not None
        await TaskUpdater(event_queue, context.task_id, context.context_id).cancel()


class Recorder:
    """What the tests may ask the peer about."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.open_streams = 0
        self.disconnects = 0


class BearerAuth:
    """ASGI middleware: a live token from the issuer carrying a2a:all, else 401/403.

    The agent card (and the test hooks) are public, as A2A specifies for the card.
    """

    def __init__(self, app: Any, issuer: str, recorder: Recorder) -> None:
        self.app = app
        self.me_url = issuer.rstrip("/") + "/v1/me"
        self.recorder = recorder
        self.http = httpx.AsyncClient(timeout=10)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["path"].startswith(("/.well-known/", "/_test/")):
            await self.app(scope, receive, send)
            return
        body = await _read_body(receive)
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        entry: dict[str, Any] = {"httpMethod": scope["method"], "path": scope["path"]}
        try:
            rpc = json.loads(body)
            entry["method"] = rpc.get("method")
            entry["params"] = rpc.get("params")
        except (ValueError, AttributeError):
            entry["method"] = None
        entry["a2aVersion"] = headers.get("a2a-version")
        self.recorder.requests.append(entry)

        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        outcome = await self._check(token)
        entry["auth"] = outcome if isinstance(outcome, str) else "ok"
        if outcome == "invalid_token":
            await _deny(send, 401, 'Bearer error="invalid_token"', "invalid_token")
            return
        if outcome == "insufficient_scope":
            await _deny(send, 403, f'Bearer error="insufficient_scope", scope="{REQUIRED_SCOPE}"', "insufficient_scope")
            return
        assert isinstance(outcome, dict)
        scope["user"] = SimpleUser(str(outcome.get("sub", "")))
        scope["auth"] = AuthCredentials(str(outcome.get("scope", "")).split())
        watched_receive, watched_send = self._watch(receive, send)
        await self.app(scope, _replay(body, watched_receive), watched_send)

    async def _check(self, token: str) -> str | dict[str, Any]:
        if not token:
            return "invalid_token"
        r = await self.http.get(self.me_url, headers={"Authorization": f"Bearer {token}"})
        if r.status_code != 200:
            return "invalid_token"
        me: dict[str, Any] = r.json()
        if REQUIRED_SCOPE not in str(me.get("scope", "")).split():
            return "insufficient_scope"
        return me

    def _watch(self, receive: Any, send: Any) -> tuple[Any, Any]:
        """Count SSE streams, and the ones the client closed before the server finished them."""
        state = {"sse": False, "done": False}

        def finish(early: bool) -> None:
            if state["sse"] and not state["done"]:
                state["done"] = True
                self.recorder.open_streams -= 1
                self.recorder.disconnects += early

        async def watched_send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                ctype = dict(message.get("headers", [])).get(b"content-type", b"")
                if ctype.startswith(b"text/event-stream"):
                    state["sse"] = True
                    self.recorder.open_streams += 1
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                finish(early=False)

        async def watched_receive() -> dict[str, Any]:
            message: dict[str, Any] = await receive()
            if message["type"] == "http.disconnect":
                finish(early=True)
            return message

        return watched_receive, watched_send


async def _read_body(receive: Any) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive: Any) -> Any:
    sent = False

    async def wrapped() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        result: dict[str, Any] = await receive()
        return result

    return wrapped


async def _deny(send: Any, status: int, challenge: str, error: str) -> None:
    body = json.dumps({"error": error}).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"www-authenticate", challenge.encode()),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def build_card(base: str, tenant: str) -> AgentCard:
    return AgentCard(
        name="Echo agent",
        description="Echoes your message back, one artifact chunk per word.",
        version="1.0.0",
        supported_interfaces=[
            AgentInterface(url=base + "/a2a", protocol_binding="JSONRPC", protocol_version="1.0", tenant=tenant),
            AgentInterface(url=base + "/grpc", protocol_binding="GRPC", protocol_version="1.0", tenant=tenant),
        ],
        capabilities=AgentCapabilities(streaming=True, extended_agent_card=True),
        security_schemes={"bearer": SecurityScheme(http_auth_security_scheme=HTTPAuthSecurityScheme(scheme="Bearer"))},
        security_requirements=[SecurityRequirement(schemes={"bearer": StringList(list=[REQUIRED_SCOPE])})],
        default_input_modes=["text/plain"],
        default_output_modes=["text/plain"],
        skills=[AgentSkill(id="echo", name="Echo", description="Echo the message", tags=["echo"])],
    )


def build_app(base: str, issuer: str, word_delay: float, tenant: str, recorder: Recorder) -> Any:
    card = build_card(base, tenant)
    extended = AgentCard()
    extended.CopyFrom(card)
    extended.description = "The extended card: only for callers with a2a:all."
    handler = DefaultRequestHandler(EchoExecutor(word_delay), InMemoryTaskStore(), card, extended_agent_card=extended)

    async def requests(_: Request) -> JSONResponse:
        return JSONResponse(recorder.requests)

    async def stats(_: Request) -> JSONResponse:
        return JSONResponse({"openStreams": recorder.open_streams, "disconnects": recorder.disconnects})

    async def reset(_: Request) -> JSONResponse:
        recorder.reset()
        return JSONResponse({})

    hooks = [
        Route("/_test/requests", requests, methods=["GET"]),
        Route("/_test/stats", stats, methods=["GET"]),
        Route("/_test/reset", reset, methods=["POST"]),
    ]
    app = Starlette(routes=create_agent_card_routes(card) + create_jsonrpc_routes(handler, rpc_url="/a2a") + hooks)
    return BearerAuth(app, issuer, recorder)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--issuer", required=True, help="emulator base URL (tokens are checked at its /v1/me)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--word-delay-ms", type=float, default=40)
    ap.add_argument("--tenant", default="")
    args = ap.parse_args()
    if not os.environ.get("A2A_PEER_VERBOSE"):
        # The tests provoke errors on purpose; the SDK would log each with a traceback.
        logging.getLogger("a2a").setLevel(logging.CRITICAL)

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    base = f"http://{args.host}:{sock.getsockname()[1]}"
    app = build_app(base, args.issuer, args.word_delay_ms / 1000, args.tenant, Recorder())
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    server = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(server.serve(sockets=[sock]))
        while not server.started:
            await asyncio.sleep(0.01)
        print(f"LISTENING {base}", flush=True)
        await task

    asyncio.run(serve())
    sys.exit(0)


if __name__ == "__main__":
    main()
