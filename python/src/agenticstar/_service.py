"""The core surface in Python: one generic ``Service`` (sync and async) and its JSON streams.

Every capability that is not chat or tokens (MCP, A2A, ...) is a service of the Rust core. A
Python class for it is a table of method names over :class:`ServiceBase` /
:class:`AsyncServiceBase`; the tests check that table against the core's ``methods()``. Arguments
cross as JSON with the core's camelCase keys; snake_case keyword arguments are camelCased here,
the only translation this layer makes.
"""

from __future__ import annotations

import copy
import inspect
import json
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Callable,
    Dict,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
)

from ._native import NativeJsonStream, NativeService, ResponseMeta

__all__ = [
    "AsyncEchoService",
    "AsyncJsonStream",
    "AsyncService",
    "AsyncServiceBase",
    "EchoService",
    "JsonStream",
    "MethodSpec",
    "RawResult",
    "Service",
    "ServiceBase",
]

MethodSpec = Dict[str, str]
"""``{"name": "tools_call", "kind": "call" | "stream"}``, as the core lists them."""

_S = TypeVar("_S")
_T = TypeVar("_T")


def request_options_json(
    timeout: Optional[float] = None,
    max_retries: Optional[int] = None,
    extra_headers: Optional[Mapping[str, str]] = None,
    extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
    extra_body: Optional[Mapping[str, Any]] = None,
) -> Optional[str]:
    """Per-call options as the core's ``RequestOptions`` JSON (None: the client's defaults).
    Validation and defaults are the core's."""
    o = {
        "timeout": timeout,
        "maxRetries": max_retries,
        "extraHeaders": dict(extra_headers) if extra_headers is not None else None,
        "extraQuery": dict(extra_query) if extra_query is not None else None,
        "extraBody": dict(extra_body) if extra_body is not None else None,
    }
    given = {k: v for k, v in o.items() if v is not None}
    return json.dumps(given) if given else None


_W2 = TypeVar("_W2", bound="WithOptions")
_B = TypeVar("_B", bound="_Base")


class WithOptions:
    """``with_options(...)``: the one signature of per-call options, for clients and services."""

    def with_options(
        self: _W2,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> _W2:
        """An object of the same class sharing this one's tokens, connections (and, for a service,
        its session), whose calls use these options (``timeout`` in seconds) over the current
        ones. Validation and defaults are the core's."""
        return self._derive(request_options_json(timeout, max_retries, extra_headers, extra_query, extra_body))

    def _derive(self: _W2, options: Optional[str]) -> _W2:
        raise NotImplementedError


@dataclass(frozen=True)
class RawResult(Generic[_T]):
    """A call's result with the answer that carried it (``service.with_raw_response.method()``)."""

    data: _T
    """What the method returns."""
    response: Optional[ResponseMeta]
    """Status, headers and request id of the HTTP answer (the last, if the call took several);
    None for a method that sends nothing."""

    @property
    def request_id(self) -> Optional[str]:
        return self.response.request_id if self.response is not None else None


# Where `with_raw_response` collects the answers of the call it wraps (per thread / asyncio task).
_CAPTURE: ContextVar[Optional[List[Optional[ResponseMeta]]]] = ContextVar("agenticstar_capture", default=None)


def _answered(meta: Optional[ResponseMeta]) -> None:
    cell = _CAPTURE.get()
    if cell is not None:
        cell.append(meta)


class _RawProxy:
    """``service.with_raw_response``: the same call methods, each returning a :class:`RawResult`."""

    def __init__(self, service: _Base) -> None:
        self._s = service

    def __getattr__(self, name: str) -> Callable[..., Any]:
        kinds = {m["name"]: m["kind"] for m in self._s.methods()}
        if name not in getattr(self._s, "METHODS", ()) or kinds.get(name) != "call":
            raise AttributeError(f"with_raw_response has no call method {name!r}")
        method = getattr(self._s, name)
        if inspect.iscoroutinefunction(method):

            async def acall(*args: Any, **kwargs: Any) -> RawResult[Any]:
                cell: List[Optional[ResponseMeta]] = []
                token = _CAPTURE.set(cell)
                try:
                    data = await method(*args, **kwargs)
                finally:
                    _CAPTURE.reset(token)
                return RawResult(data, cell[-1] if cell else None)

            return acall

        def call(*args: Any, **kwargs: Any) -> RawResult[Any]:
            cell: List[Optional[ResponseMeta]] = []
            token = _CAPTURE.set(cell)
            try:
                data = method(*args, **kwargs)
            finally:
                _CAPTURE.reset(token)
            return RawResult(data, cell[-1] if cell else None)

        return call


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


class _Base(WithOptions):
    """Services' ``with_options`` returns a view: the same session, these options on every call and
    stream (``max_retries``: only failures the server cannot have acted on are retried;
    ``extra_body`` fields go into each JSON-RPC request's ``params``)."""

    def __init__(self, native: NativeService) -> None:
        self._service = native
        self._options: Dict[str, Any] = {}

    def methods(self) -> List[MethodSpec]:
        """Every method the core service answers."""
        return json.loads(self._service.methods())  # type: ignore[no-any-return]

    def _derive(self: _B, options: Optional[str]) -> _B:
        # A view of the same native service: options merged over this view's.
        other = copy.copy(self)
        other._options = {**self._options, **(json.loads(options) if options else {})}
        return other

    @property
    def with_raw_response(self) -> Any:
        """The call methods again, each returning a :class:`RawResult` (``.data``, ``.response``)::

            raw = mcp.with_raw_response.list_tools()
            print(raw.response.request_id, len(raw.data))
        """
        return _RawProxy(self)

    def _options_json(self) -> Optional[str]:
        return json.dumps(self._options) if self._options else None


class Service(_Base):
    """A core service, synchronous: ``call(method, **args)`` and ``open(method, **args)``."""

    def call(self, method: str, /, **kwargs: Any) -> Any:
        data, meta = self._service.call(False, method, _args(kwargs), self._options_json())
        _answered(meta)
        return json.loads(data)

    def open(self, method: str, /, **kwargs: Any) -> JsonStream:
        return JsonStream(self._service.open(method, _args(kwargs), self._options_json()))

    def close(self) -> None:
        self._service.close(False)

    def __enter__(self: _S) -> _S:
        return self

    def __exit__(self, t: Optional[Type[BaseException]], e: Optional[BaseException], tb: Optional[TracebackType]) -> None:
        self.close()


class AsyncService(_Base):
    """A core service, asyncio: ``await call(method, **args)`` and ``open(method, **args)``."""

    async def call(self, method: str, /, **kwargs: Any) -> Any:
        data, meta = await self._service.call(True, method, _args(kwargs), self._options_json())
        _answered(meta)
        return json.loads(data)

    def open(self, method: str, /, **kwargs: Any) -> AsyncJsonStream:
        return AsyncJsonStream(self._service.open(method, _args(kwargs), self._options_json()))

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

