"""Token events: the core's ``token_events`` service under Python names.

What happens to a client's tokens that an app may want to know, as a stream. Today that is
``store_errors``: every failed token store load/save/clear (Redis unreachable, a file not
writable, a store object that raised), as a :class:`StoreError` (the core decides what is
reported; the item is not raised, it is handed to you)::

    events = client.token_events()
    for error in events.store_errors():   # blocks: run it in a thread of its own
        log.warning("tokens are not being persisted: %s", error)

The stream starts empty and follows the client until it is closed.
"""

from __future__ import annotations

from typing import Any, AsyncIterator, Iterator

from ._exceptions import AgenticStarError, _from_details
from ._service import AsyncJsonStream, AsyncServiceBase, JsonStream, ServiceBase, wrapper

__all__ = ["AsyncErrorStream", "AsyncTokenEvents", "ErrorStream", "TokenEvents"]

_METHODS = ("store_errors",)


class ErrorStream(JsonStream):
    """A stream whose items are errors (the core's error details as their exception class)."""

    def __iter__(self) -> Iterator[AgenticStarError]:
        for d in super().__iter__():
            yield _from_details(d)


class AsyncErrorStream(AsyncJsonStream):
    """:class:`ErrorStream` for ``async for``."""

    def __aiter__(self) -> AsyncIterator[AgenticStarError]:
        return self

    async def __anext__(self) -> AgenticStarError:
        d: Any = await super().__anext__()
        return _from_details(d)


@wrapper
class TokenEvents(ServiceBase):
    """Token events of a :class:`Client` (``client.token_events()``), synchronous."""

    KIND = "token_events"
    METHODS = _METHODS

    def store_errors(self) -> ErrorStream:
        """Every failed token store operation from now on, as a :class:`StoreError`."""
        return ErrorStream(self._service.open("store_errors", "{}"))


@wrapper
class AsyncTokenEvents(AsyncServiceBase):
    """:class:`TokenEvents` for asyncio (``await client.token_events()``)."""

    KIND = "token_events"
    METHODS = _METHODS

    def store_errors(self) -> AsyncErrorStream:
        return AsyncErrorStream(self._service.open("store_errors", "{}"))
