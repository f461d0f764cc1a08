"""A2A (Agent2Agent v1.0): the core's ``a2a`` service under Python names.

Everything (card reading, interface choice, scope checks, JSON-RPC, token renewal, typed errors,
stream ends) happens in the Rust core; these classes only name its methods. Objects are the
protocol's JSON (camelCase keys, ``TASK_STATE_*`` enums) as dicts::

    agent = A2aClient.from_card(client, "https://agent.example.com")
    for event in agent.send_streaming_message("hello"):
        ...
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence

from ._service import AsyncJsonStream, AsyncServiceBase, JsonStream, ServiceBase, wrapper

if TYPE_CHECKING:
    from ._client import AsyncClient, Client

__all__ = ["A2aClient", "AsyncA2aClient"]

Json = Dict[str, Any]

_METHODS = (
    "card",
    "send_message",
    "send_streaming_message",
    "get_task",
    "list_tasks",
    "cancel_task",
    "subscribe_to_task",
    "extended_card",
    "rpc",
    "assemble",
    "recording",
)


def _send(
    text: Optional[str],
    message: Optional[Json],
    context_id: Optional[str],
    task_id: Optional[str],
    message_id: Optional[str],
    configuration: Optional[Json],
) -> Json:
    return dict(
        text=text,
        message=message,
        context_id=context_id,
        task_id=task_id,
        message_id=message_id,
        configuration=configuration,
    )


@wrapper
class A2aClient(ServiceBase):
    """An A2A agent, synchronous. Open it with :meth:`from_card` (or ``client.service("a2a",
    cls=A2aClient, url=...)``). Streams end after the event that puts the task in a terminal or
    input/auth-required state; leaving the loop closes the connection."""

    KIND = "a2a"
    METHODS = _METHODS

    @classmethod
    def from_card(
        cls,
        client: Client,
        url: str,
        *,
        bearer: Optional[bool] = None,
        token_scope: Optional[str] = None,
        extensions: Optional[Sequence[str]] = None,
        record: Optional[bool] = None,
    ) -> A2aClient:
        """Read the agent card at ``url`` (or ``url/.well-known/agent-card.json``) and connect."""
        ext = list(extensions) if extensions is not None else None
        return client.service(
            "a2a", cls=cls, url=url, bearer=bearer, token_scope=token_scope, extensions=ext, record=record
        )

    def card(self) -> Json:
        """``{"card", "cardUrl", "interface", "requirement"}``: the card and what it requires."""
        return self._call("card")  # type: ignore[no-any-return]

    def send_message(
        self,
        text: Optional[str] = None,
        *,
        message: Optional[Json] = None,
        context_id: Optional[str] = None,
        task_id: Optional[str] = None,
        message_id: Optional[str] = None,
        configuration: Optional[Json] = None,
    ) -> Json:
        """``SendMessage``: ``{"task": ...}`` or ``{"message": ...}``."""
        return self._call("send_message", **_send(text, message, context_id, task_id, message_id, configuration))  # type: ignore[no-any-return]

    def send_streaming_message(
        self,
        text: Optional[str] = None,
        *,
        message: Optional[Json] = None,
        context_id: Optional[str] = None,
        task_id: Optional[str] = None,
        message_id: Optional[str] = None,
        configuration: Optional[Json] = None,
    ) -> JsonStream:
        """``SendStreamingMessage``: ``{"task"|"message"|"statusUpdate"|"artifactUpdate": ...}`` events."""
        return self._open("send_streaming_message", **_send(text, message, context_id, task_id, message_id, configuration))

    def get_task(self, id: str, history_length: Optional[int] = None) -> Json:
        return self._call("get_task", id=id, history_length=history_length)  # type: ignore[no-any-return]

    def list_tasks(self, **filters: Any) -> List[Json]:
        """Every task matching ``context_id``, ``status``, ``page_size``, ... (all pages)."""
        return self._call("list_tasks", **filters)  # type: ignore[no-any-return]

    def cancel_task(self, id: str) -> Json:
        return self._call("cancel_task", id=id)  # type: ignore[no-any-return]

    def subscribe_to_task(self, id: str) -> JsonStream:
        """Follow a running task; the stream opens with a snapshot of it."""
        return self._open("subscribe_to_task", id=id)

    def extended_card(self) -> Json:
        return self._call("extended_card")  # type: ignore[no-any-return]

    def rpc(self, method: str, params: Optional[Json] = None) -> Any:
        """Any other JSON-RPC method of the agent (push-notification configs, ...)."""
        return self._call("rpc", jsonrpc_method=method, params=params)

    def assemble(self, events: List[Json]) -> Json:
        """``{"task", "artifacts", "complete"}`` rebuilt from stream events (append / lastChunk)."""
        return self._call("assemble", events=events)  # type: ignore[no-any-return]

    def recording(self) -> List[Json]:
        """The JSON-RPC messages exchanged so far (``record=True``), ids and times normalized."""
        return self._call("recording")  # type: ignore[no-any-return]


@wrapper
class AsyncA2aClient(AsyncServiceBase):
    """:class:`A2aClient` for asyncio: ``await`` calls, ``async for`` streams."""

    KIND = "a2a"
    METHODS = _METHODS

    @classmethod
    async def from_card(
        cls,
        client: AsyncClient,
        url: str,
        *,
        bearer: Optional[bool] = None,
        token_scope: Optional[str] = None,
        extensions: Optional[Sequence[str]] = None,
        record: Optional[bool] = None,
    ) -> AsyncA2aClient:
        ext = list(extensions) if extensions is not None else None
        return await client.service(
            "a2a", cls=cls, url=url, bearer=bearer, token_scope=token_scope, extensions=ext, record=record
        )

    async def card(self) -> Json:
        return await self._call("card")  # type: ignore[no-any-return]

    async def send_message(
        self,
        text: Optional[str] = None,
        *,
        message: Optional[Json] = None,
        context_id: Optional[str] = None,
        task_id: Optional[str] = None,
        message_id: Optional[str] = None,
        configuration: Optional[Json] = None,
    ) -> Json:
        return await self._call("send_message", **_send(text, message, context_id, task_id, message_id, configuration))  # type: ignore[no-any-return]

    def send_streaming_message(
        self,
        text: Optional[str] = None,
        *,
        message: Optional[Json] = None,
        context_id: Optional[str] = None,
        task_id: Optional[str] = None,
        message_id: Optional[str] = None,
        configuration: Optional[Json] = None,
    ) -> AsyncJsonStream:
        return self._open("send_streaming_message", **_send(text, message, context_id, task_id, message_id, configuration))

    async def get_task(self, id: str, history_length: Optional[int] = None) -> Json:
        return await self._call("get_task", id=id, history_length=history_length)  # type: ignore[no-any-return]

    async def list_tasks(self, **filters: Any) -> List[Json]:
        return await self._call("list_tasks", **filters)  # type: ignore[no-any-return]

    async def cancel_task(self, id: str) -> Json:
        return await self._call("cancel_task", id=id)  # type: ignore[no-any-return]

    def subscribe_to_task(self, id: str) -> AsyncJsonStream:
        return self._open("subscribe_to_task", id=id)

    async def extended_card(self) -> Json:
        return await self._call("extended_card")  # type: ignore[no-any-return]

    async def rpc(self, method: str, params: Optional[Json] = None) -> Any:
        return await self._call("rpc", jsonrpc_method=method, params=params)

    async def assemble(self, events: List[Json]) -> Json:
        return await self._call("assemble", events=events)  # type: ignore[no-any-return]

    async def recording(self) -> List[Json]:
        return await self._call("recording")  # type: ignore[no-any-return]
