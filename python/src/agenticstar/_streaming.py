"""Chat streams: iterate chunks synchronously or with ``async for``.

The native stream hands over everything that arrived in one network read as one list, so the
boundary with Rust is crossed once per batch; the chunks of a batch are served from Python.
"""

from __future__ import annotations

import inspect
from types import TracebackType
from typing import Any, Awaitable, Callable, Iterator, List, Optional, Type, Union

from ._native import ChatChunk, ChatCompletion, NativeChatStream, ResponseMeta, Usage

__all__ = ["AsyncChatStream", "ChatStream"]


class _StreamBase:
    _native: NativeChatStream
    _closed: bool

    def close(self) -> None:
        """Stop reading and close the HTTP connection now (safe to call twice, or while a read is pending)."""
        self._closed = True
        self._native.cancel()

    @property
    def text(self) -> str:
        """The text received so far (first choice)."""
        return self._native.text

    @property
    def finish_reason(self) -> Optional[str]:
        """Why the reply ended (``"stop"``, ``"length"``, ...), once the chunk saying so arrived."""
        return self._native.finish_reason

    @property
    def usage(self) -> Optional[Usage]:
        """Token counts, if the server sent them (ask with ``stream_options={"include_usage": True}``)."""
        return self._native.usage

    @property
    def response(self) -> Optional[ResponseMeta]:
        """Status, headers and request id of the answer, once its head arrived (always after the
        first chunk was read; an error from the answer carries them too)."""
        return self._native.response

    def completion(self) -> ChatCompletion:
        """What was received so far, as one ChatCompletion."""
        return self._native.completion()


class ChatStream(_StreamBase):
    """A streamed reply for the synchronous :class:`~agenticstar.Client`.

    Iterate it for :class:`ChatChunk` objects; use it as a context manager (or call :meth:`close`)
    to close the connection when you stop early::

        with client.chat.stream(messages=[{"role": "user", "content": "Hi"}]) as stream:
            for chunk in stream:
                print(chunk.text, end="", flush=True)
        print(stream.finish_reason, stream.usage)
    """

    def __init__(self, native: NativeChatStream) -> None:
        self._native = native
        self._closed = False
        self._iterator = self._chunks()

    def _chunks(self) -> Iterator[ChatChunk]:
        native = self._native
        try:
            while not self._closed:
                # Chunks already there need no GIL release; otherwise wait without the GIL.
                batch = native.try_next_batch()
                if batch is None:
                    batch = native.next_batch(False)
                if not batch:
                    return
                yield from batch
        except BaseException:
            # An error, or Ctrl-C while waiting: do not leave the connection open.
            self.close()
            raise

    def __iter__(self) -> Iterator[ChatChunk]:
        return self._iterator

    def __next__(self) -> ChatChunk:
        return next(self._iterator)

    def __enter__(self) -> ChatStream:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def collect(self, on_delta: Optional[Callable[[ChatChunk], Any]] = None) -> ChatCompletion:
        """Read to the end (calling ``on_delta`` with each chunk) and return the whole reply."""
        try:
            for chunk in self._iterator:
                if on_delta is not None:
                    on_delta(chunk)
        finally:
            self.close()  # no-op after the end; stops the stream if on_delta raised
        return self.completion()


class AsyncChatStream(_StreamBase):
    """A streamed reply for :class:`~agenticstar.AsyncClient`.

    ``async for chunk in stream`` yields :class:`ChatChunk` objects. Cancelling the task that
    iterates closes the HTTP connection; so do leaving ``async with`` and :meth:`aclose`::

        async with client.chat.stream(messages=[{"role": "user", "content": "Hi"}]) as stream:
            async for chunk in stream:
                print(chunk.text, end="", flush=True)
    """

    def __init__(self, native: NativeChatStream) -> None:
        self._native = native
        self._closed = False
        self._buf: List[ChatChunk] = []
        self._pos = 0

    def __aiter__(self) -> AsyncChatStream:
        return self

    async def __anext__(self) -> ChatChunk:
        pos = self._pos
        if pos < len(self._buf):  # fast path: the rest of the current batch
            self._pos = pos + 1
            return self._buf[pos]
        if self._closed:
            raise StopAsyncIteration
        try:
            # A batch that is already there needs no asyncio future.
            batch = self._native.try_next_batch()
            if batch is None:
                batch = await self._native.next_batch(True)
        except BaseException:
            # Errors, and CancelledError when the iterating task is cancelled: close the connection.
            self.close()
            raise
        if not batch or self._closed:
            self._closed = True
            raise StopAsyncIteration
        self._buf = batch
        self._pos = 1
        return batch[0]

    async def __aenter__(self) -> AsyncChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    async def aclose(self) -> None:
        """Same as :meth:`close`, for ``contextlib.aclosing`` and async cleanup code."""
        self.close()

    async def collect(
        self, on_delta: Optional[Callable[[ChatChunk], Union[Any, Awaitable[Any]]]] = None
    ) -> ChatCompletion:
        """Read to the end (calling ``on_delta``, sync or async, with each chunk) and return the whole reply."""
        try:
            async for chunk in self:
                if on_delta is not None:
                    r = on_delta(chunk)
                    if inspect.isawaitable(r):
                        await r
        finally:
            self.close()  # no-op after the end; stops the stream if on_delta raised
        return self.completion()
