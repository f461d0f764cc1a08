"""The core surface in Python: one generic ``Service`` (sync and async) and its JSON streams.

Every capability that is not chat or tokens (MCP, A2A, ...) is a service of the Rust core. A
Python class for it is a table of method names over :class:`ServiceBase` /
:class:`AsyncServiceBase`; the tests check that table against the core's ``methods()``. Arguments
cross as JSON with the core's camelCase keys; snake_case keyword arguments are camelCased here,
the only translation this layer makes.
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, AsyncIterator, Dict, Iterator, List, Optional, Tuple, Type, TypeVar

from ._native import NativeJsonStream, NativeService

__all__ = [
    "AsyncEchoService",
    "AsyncJsonStream",
    "AsyncService",
    "AsyncServiceBase",
    "EchoService",
    "JsonStream",
    "MethodSpec",
    "Service",
    "ServiceBase",
]

MethodSpec = Dict[str, str]
"""``{"name": "tools_call", "kind": "call" | "stream"}``, as the core lists them."""

_S = TypeVar("_S")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


def _args(kwargs: Dict[str, Any]) -> str:
    return json.dumps({_camel(k): v for k, v in kwargs.items() if v is not None}, separators=(",", ":"))


class JsonStream:
    """Items of a stream method (JSON values). Iterate it; ``close()`` (or leaving a ``with``
    block, or ``break`` inside one) closes the underlying connection."""

    def __init__(self, native: NativeJsonStream) -> None:
        self._native = native
        self._closed = False

    def __iter__(self) -> Iterator[Any]:
        try:
            while not self._closed:
                batch = self._native.next_batch(False)
                if batch is None:
                    return
                yield from json.loads(batch)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self._closed = True
        self._native.cancel()

    def __enter__(self) -> JsonStream:
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class AsyncJsonStream:
    """:class:`JsonStream` for ``async for``; ``aclose()`` or ``async with`` closes it."""

    def __init__(self, native: NativeJsonStream) -> None:
        self._native = native
        self._closed = False
        self._buf: List[Any] = []

    def __aiter__(self) -> AsyncIterator[Any]:
        return self

    async def __anext__(self) -> Any:
        while not self._buf:
            if self._closed:
                raise StopAsyncIteration
            try:
                batch = await self._native.next_batch(True)
            except BaseException:
                self.close()
                raise
            if batch is None:
                self._closed = True
                raise StopAsyncIteration
            self._buf = json.loads(batch)
            self._buf.reverse()
        return self._buf.pop()

    def close(self) -> None:
        self._closed = True
        self._native.cancel()

    async def aclose(self) -> None:
        self.close()

    async def __aenter__(self) -> AsyncJsonStream:
        return self

    async def __aexit__(
        self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        self.close()


class _Base:
    def __init__(self, native: NativeService) -> None:
        self._service = native

    def methods(self) -> List[MethodSpec]:
        """Every method the core service answers."""
        return json.loads(self._service.methods())  # type: ignore[no-any-return]


class Service(_Base):
    """A core service, synchronous: ``call(method, **args)`` and ``open(method, **args)``."""

    def call(self, method: str, /, **kwargs: Any) -> Any:
        return json.loads(self._service.call(False, method, _args(kwargs)))

    def open(self, method: str, /, **kwargs: Any) -> JsonStream:
        return JsonStream(self._service.open(method, _args(kwargs)))

    def close(self) -> None:
        self._service.close(False)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class AsyncService(_Base):
    """A core service, asyncio: ``await call(method, **args)`` and ``open(method, **args)``."""

    async def call(self, method: str, /, **kwargs: Any) -> Any:
        return json.loads(await self._service.call(True, method, _args(kwargs)))

    def open(self, method: str, /, **kwargs: Any) -> AsyncJsonStream:
        return AsyncJsonStream(self._service.open(method, _args(kwargs)))

    async def close(self) -> None:
        await self._service.close(True)

    async def aclose(self) -> None:
        await self.close()

    async def __aenter__(self: _S) -> _S:
        return self

    async def __aexit__(
        self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]
    ) -> None:
        await self.close()


class ServiceBase(Service):
    """Base of an idiomatic synchronous wrapper: subclasses set ``KIND`` and ``METHODS`` (the core
    method names they expose) and implement each as ``self._call(name, **kw)`` / ``self._open``."""

    KIND: str = ""
    METHODS: Tuple[str, ...] = ()

    def _call(self, name: str, /, **kwargs: Any) -> Any:
        return self.call(name, **kwargs)

    def _open(self, name: str, /, **kwargs: Any) -> JsonStream:
        return self.open(name, **kwargs)


class AsyncServiceBase(AsyncService):
    """:class:`ServiceBase` for asyncio wrappers."""

    KIND: str = ""
    METHODS: Tuple[str, ...] = ()

    async def _call(self, name: str, /, **kwargs: Any) -> Any:
        return await self.call(name, **kwargs)

    def _open(self, name: str, /, **kwargs: Any) -> AsyncJsonStream:
        return self.open(name, **kwargs)


WRAPPERS: Dict[str, List[type]] = {}
"""Idiomatic wrapper classes by service kind (sync and async); the suite checks each against core."""

_W = TypeVar("_W", bound=type)


def wrapper(cls: _W) -> _W:
    """Class decorator registering a wrapper under its ``KIND``."""
    WRAPPERS.setdefault(getattr(cls, "KIND"), []).append(cls)  # noqa: B009 (mypy: _W is any type)
    return cls


def method_table_mismatch(cls: type, core_methods: List[MethodSpec]) -> Dict[str, List[str]]:
    """How a wrapper's ``METHODS`` table differs from the core's (every list empty when in sync)."""
    core = {m["name"] for m in core_methods}
    table = set(getattr(cls, "METHODS", ()))
    absent = [m for m in sorted(table) if not callable(getattr(cls, m, None))]
    return {"not_in_wrapper": sorted(core - table), "not_in_core": sorted(table - core), "not_implemented": absent}


# ---- the diagnostic `echo` service (no I/O): checks an installation, and this module's glue ----


@wrapper
class EchoService(ServiceBase):
    """``client.service("echo", cls=EchoService)``: answers with what it is given."""

    KIND = "echo"
    METHODS = ("echo", "fail", "count", "wait_forever")

    def echo(self, **kwargs: Any) -> Any:
        return self._call("echo", **kwargs)

    def fail(self, kind: str, **kwargs: Any) -> Any:
        return self._call("fail", kind=kind, **kwargs)

    def count(self, n: int, fail: Optional[Dict[str, Any]] = None) -> JsonStream:
        return self._open("count", n=n, fail=fail)

    def wait_forever(self) -> JsonStream:
        return self._open("wait_forever")


@wrapper
class AsyncEchoService(AsyncServiceBase):
    """:class:`EchoService` for asyncio."""

    KIND = "echo"
    METHODS = EchoService.METHODS

    async def echo(self, **kwargs: Any) -> Any:
        return await self._call("echo", **kwargs)

    async def fail(self, kind: str, **kwargs: Any) -> Any:
        return await self._call("fail", kind=kind, **kwargs)

    def count(self, n: int, fail: Optional[Dict[str, Any]] = None) -> AsyncJsonStream:
        return self._open("count", n=n, fail=fail)

    def wait_forever(self) -> AsyncJsonStream:
        return self._open("wait_forever")

