"""MCP (Model Context Protocol, Streamable HTTP): the core's ``mcp`` service under Python names.

Everything (era detection, ``_meta`` and routing headers, sessions and re-initialize, stream
resumption, paging, token renewal, typed errors) happens in the Rust core; these classes only name
its methods. Results are the protocol's JSON (camelCase keys) as dicts::

    mcp = McpClient.connect(client, "https://agent.example.com/mcp")
    for item in mcp.call_tool_stream("add", {"a": 2, "b": 3}):
        ...  # {"type": "progress", "progress", "total"?, "message"?} ... then {"type": "result", "result"}

A result the server cannot finish without input is ``{"resultType": "input_required",
"inputRequests", "requestState", "method", "params"}``: pass it to :meth:`McpClient.answer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from ._service import AsyncJsonStream, AsyncServiceBase, JsonStream, ServiceBase, wrapper

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["AsyncMcpClient", "McpClient"]

Json = Dict[str, Any]

_METHODS = (
    "server",
    "session_id",
    "list_tools",
    "call_tool",
    "call_tool_stream",
    "answer",
    "answer_stream",
    "list_resources",
    "list_resource_templates",
    "read_resource",
    "list_prompts",
    "get_prompt",
    "complete",
    "ping",
    "send_request",
    "notifications",
    "start_recording",
    "recording",
)


def _options(
    url: str,
    era: Optional[str],
    scopes: Optional[Sequence[str]],
    resource: Optional[str],
    send_resource: Optional[bool],
    bearer: Optional[bool],
    token_scope: Optional[str],
    headers: Optional[Dict[str, str]],
    client_name: Optional[str],
    client_version: Optional[str],
    legacy_version: Optional[str],
) -> Json:
    return dict(
        url=url,
        era=era,
        scopes=list(scopes) if scopes is not None else None,
        resource=resource,
        send_resource=send_resource,
        bearer=bearer,
        token_scope=token_scope,
        headers=headers,
        client_name=client_name,
        client_version=client_version,
        legacy_version=legacy_version,
    )


@wrapper
class McpClient(ServiceBase):
    """An MCP server, synchronous. Open it with :meth:`connect`; ``close()`` (or leaving a
    ``with`` block) ends a legacy session (DELETE). Leaving a stream's loop (or ``close()`` on
    it) drops the call and closes its connection (legacy servers also get
    ``notifications/cancelled``)."""

    KIND = "mcp"
    METHODS = _METHODS

    @classmethod
    def connect(
        cls,
        client: Client,
        url: str,
        *,
        era: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        resource: Optional[str] = None,
        send_resource: Optional[bool] = None,
        bearer: Optional[bool] = None,
        token_scope: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        client_name: Optional[str] = None,
        client_version: Optional[str] = None,
        legacy_version: Optional[str] = None,
    ) -> McpClient:
        """Connect to the endpoint ``url``, detecting the era (``era="current"|"legacy"`` forces one).
        Tokens are the client's, for ``mcp:all`` (``scopes``) and the RFC 8707 ``resource`` (the URL)."""
        o = _options(url, era, scopes, resource, send_resource, bearer, token_scope, headers, client_name, client_version, legacy_version)
        return client.service("mcp", cls=cls, **o)

    def server(self) -> Json:
        """``{"era", "protocolVersion", "serverInfo", "capabilities", "instructions"?, "supportedVersions"?}``."""
        return self._call("server")  # type: ignore[no-any-return]

    def session_id(self) -> Optional[str]:
        """The legacy ``Mcp-Session-Id``, if the server set one."""
        return self._call("session_id")  # type: ignore[no-any-return]

    def list_tools(self) -> List[Json]:
        """Every tool (all pages)."""
        return self._call("list_tools")  # type: ignore[no-any-return]

    def call_tool(self, name: str, arguments: Optional[Json] = None) -> Json:
        """The ``CallToolResult`` (``content``, ``structuredContent``, ``isError``), or input_required."""
        return self._call("call_tool", name=name, arguments=arguments)  # type: ignore[no-any-return]

    def call_tool_stream(self, name: str, arguments: Optional[Json] = None) -> JsonStream:
        """:meth:`call_tool` with its progress: ``{"type": "progress", ...}`` items, then ``{"type": "result", "result"}``."""
        return self._open("call_tool_stream", name=name, arguments=arguments)

    def answer(self, input: Json, responses: Optional[Json] = None) -> Json:
        """Answer an input_required result (``responses`` keyed like its ``inputRequests``)."""
        return self._call("answer", input=input, responses=responses)  # type: ignore[no-any-return]

    def answer_stream(self, input: Json, responses: Optional[Json] = None) -> JsonStream:
        return self._open("answer_stream", input=input, responses=responses)

    def list_resources(self) -> List[Json]:
        return self._call("list_resources")  # type: ignore[no-any-return]

    def list_resource_templates(self) -> List[Json]:
        return self._call("list_resource_templates")  # type: ignore[no-any-return]

    def read_resource(self, uri: str) -> Json:
        """``{"contents": [{"uri", "mimeType"?, "text"? | "blob"?}]}``, or input_required."""
        return self._call("read_resource", uri=uri)  # type: ignore[no-any-return]

    def list_prompts(self) -> List[Json]:
        return self._call("list_prompts")  # type: ignore[no-any-return]

    def get_prompt(self, name: str, arguments: Optional[Dict[str, Any]] = None) -> Json:
        """``{"description"?, "messages": [{"role", "content"}]}``, or input_required."""
        return self._call("get_prompt", name=name, arguments=arguments)  # type: ignore[no-any-return]

    def complete(self, ref: Json, argument: str, value: str, context: Optional[Json] = None) -> Json:
        """``completion/complete`` for ``ref`` (``{"type": "ref/prompt", "name"}`` or
        ``{"type": "ref/resource", "uri"}``): ``{"values", "total"?, "hasMore"?}``."""
        return self._call("complete", ref=ref, argument=dict(name=argument, value=value), context=context)  # type: ignore[no-any-return]

    def ping(self) -> None:
        self._call("ping")

    def send_request(self, method: str, params: Optional[Json] = None) -> Any:
        """Any other request of the server, as JSON."""
        return self._call("send_request", jsonrpc_method=method, params=params)

    def notifications(self, resource_subscriptions: Optional[Sequence[str]] = None) -> JsonStream:
        """Change notifications ``{"type": "notification", "method", "params"}`` until the stream is closed."""
        subs = list(resource_subscriptions) if resource_subscriptions is not None else None
        return self._open("notifications", resource_subscriptions=subs)

    def start_recording(self) -> None:
        """Record every message from now on (see :meth:`recording`)."""
        self._call("start_recording")

    def recording(self) -> List[Json]:
        """The requests sent and messages received since :meth:`start_recording`."""
        return self._call("recording")  # type: ignore[no-any-return]


@wrapper
class AsyncMcpClient(AsyncServiceBase):
    """:class:`McpClient` for asyncio: ``await`` calls, ``async for`` streams. Cancelling the task
    that awaits a call drops it and closes its connection."""

    KIND = "mcp"
    METHODS = _METHODS

    @classmethod
    async def connect(
        cls,
        client: AsyncClient,
        url: str,
        *,
        era: Optional[str] = None,
        scopes: Optional[Sequence[str]] = None,
        resource: Optional[str] = None,
        send_resource: Optional[bool] = None,
        bearer: Optional[bool] = None,
        token_scope: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        client_name: Optional[str] = None,
        client_version: Optional[str] = None,
        legacy_version: Optional[str] = None,
    ) -> AsyncMcpClient:
        o = _options(url, era, scopes, resource, send_resource, bearer, token_scope, headers, client_name, client_version, legacy_version)
        return await client.service("mcp", cls=cls, **o)

    async def server(self) -> Json:
        return await self._call("server")  # type: ignore[no-any-return]

    async def session_id(self) -> Optional[str]:
        return await self._call("session_id")  # type: ignore[no-any-return]

    async def list_tools(self) -> List[Json]:
        return await self._call("list_tools")  # type: ignore[no-any-return]

    async def call_tool(self, name: str, arguments: Optional[Json] = None) -> Json:
        return await self._call("call_tool", name=name, arguments=arguments)  # type: ignore[no-any-return]

    def call_tool_stream(self, name: str, arguments: Optional[Json] = None) -> AsyncJsonStream:
        return self._open("call_tool_stream", name=name, arguments=arguments)

    async def answer(self, input: Json, responses: Optional[Json] = None) -> Json:
        return await self._call("answer", input=input, responses=responses)  # type: ignore[no-any-return]

    def answer_stream(self, input: Json, responses: Optional[Json] = None) -> AsyncJsonStream:
        return self._open("answer_stream", input=input, responses=responses)

    async def list_resources(self) -> List[Json]:
        return await self._call("list_resources")  # type: ignore[no-any-return]

    async def list_resource_templates(self) -> List[Json]:
        return await self._call("list_resource_templates")  # type: ignore[no-any-return]

    async def read_resource(self, uri: str) -> Json:
        return await self._call("read_resource", uri=uri)  # type: ignore[no-any-return]

    async def list_prompts(self) -> List[Json]:
        return await self._call("list_prompts")  # type: ignore[no-any-return]

    async def get_prompt(self, name: str, arguments: Optional[Dict[str, Any]] = None) -> Json:
        return await self._call("get_prompt", name=name, arguments=arguments)  # type: ignore[no-any-return]

    async def complete(self, ref: Json, argument: str, value: str, context: Optional[Json] = None) -> Json:
        return await self._call("complete", ref=ref, argument=dict(name=argument, value=value), context=context)  # type: ignore[no-any-return]

    async def ping(self) -> None:
        await self._call("ping")

    async def send_request(self, method: str, params: Optional[Json] = None) -> Any:
        return await self._call("send_request", jsonrpc_method=method, params=params)

    def notifications(self, resource_subscriptions: Optional[Sequence[str]] = None) -> AsyncJsonStream:
        subs = list(resource_subscriptions) if resource_subscriptions is not None else None
        return self._open("notifications", resource_subscriptions=subs)

    async def start_recording(self) -> None:
        await self._call("start_recording")

    async def recording(self) -> List[Json]:
        return await self._call("recording")  # type: ignore[no-any-return]
