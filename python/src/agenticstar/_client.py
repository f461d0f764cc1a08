"""``Client`` (synchronous) and ``AsyncClient``: the same methods, blocking or awaitable."""

from __future__ import annotations

import os
from functools import cached_property
from types import TracebackType
from typing import (
    Any,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    Union,
    overload,
)

from ._exceptions import ConfigError
from ._native import (
    AuthorizationRequest,
    ChatChunk,
    ChatCompletion,
    NativeClient,
    Provider,
    Response,
    SignIn,
    Token,
)
from ._streaming import AsyncChatStream, ChatStream
from ._types import MessageParam, TokenStore

__all__ = ["Client", "AsyncClient"]

Flow = Literal["client_credentials", "authorization_code"]
AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]


def _body(
    temperature: Optional[float],
    max_tokens: Optional[int],
    stream_options: Optional[Mapping[str, Any]],
    extra_body: Optional[Mapping[str, Any]],
) -> Dict[str, Any]:
    body: Dict[str, Any] = dict(extra_body or {})
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream_options is not None:
        body["stream_options"] = dict(stream_options)
    return body


class _BaseClient:
    def __init__(
        self,
        *,
        provider: Provider,
        client_id: str,
        client_secret: Optional[str] = None,
        api_url: Optional[str] = None,
        scope: Optional[str] = None,
        auth_method: Optional[AuthMethod] = None,
        flow: Flow = "client_credentials",
        token_store: Optional[TokenStore] = None,
        token_file: Union[str, os.PathLike[str], None] = None,
        store_key: Optional[str] = None,
        on_token: Optional[Callable[[Token], Any]] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        stream_idle_timeout: float = 120.0,
        stream_timeout: Optional[float] = None,
        max_retries: int = 3,
        refresh_window: float = 300.0,
        enforce_scopes: Optional[bool] = None,
        allow_insecure_http: bool = False,
        proxy: Optional[str] = None,
        user_agent: Optional[str] = None,
        ca_certs_pem: Optional[Sequence[bytes]] = None,
        accumulate: bool = True,
        max_reply_bytes: int = 64 << 20,
    ) -> None:
        self._client: Optional[NativeClient] = NativeClient(
            provider,
            client_id,
            client_secret,
            api_url=api_url,
            scope=scope,
            auth_method=auth_method,
            flow=flow,
            token_store=token_store,
            token_file=os.fspath(token_file) if token_file is not None else None,
            store_key=store_key,
            on_token=on_token,
            timeout=timeout,
            connect_timeout=connect_timeout,
            stream_idle_timeout=stream_idle_timeout,
            stream_timeout=stream_timeout,
            max_retries=max_retries,
            refresh_window=refresh_window,
            enforce_scopes=enforce_scopes,
            allow_insecure_http=allow_insecure_http,
            proxy=proxy,
            user_agent=user_agent,
            ca_certs_pem=list(ca_certs_pem) if ca_certs_pem is not None else None,
            accumulate=accumulate,
            max_reply_bytes=max_reply_bytes,
        )

    @property
    def _native(self) -> NativeClient:
        if self._client is None:
            raise ConfigError("the client is closed")
        return self._client

    @property
    def current_token(self) -> Optional[Token]:
        """The token held now, fresh or not, without any I/O (None before the first one)."""
        return self._native.current_token

    @property
    def store_key(self) -> str:
        """The key under which this session's tokens are kept in the token store."""
        return self._native.store_key

    @property
    def is_closed(self) -> bool:
        return self._client is None

    def close(self) -> None:
        """Release the client (streams already open keep working until they end)."""
        self._client = None


class Client(_BaseClient):
    """The synchronous client. Calls block the calling thread (never the GIL) until done.

    Args:
        provider: the token service, e.g. ``Provider.agenticstar("https://auth.agenticstar.jp")``.
        client_id, client_secret: the application's registration; leave ``client_secret`` out (None)
            for a public client (a native app using PKCE), which sends only its id.
        api_url: base URL of the agent API (Marketplace and the wrapped API default to their own host).
        scope: scopes to request with client credentials (space separated).
        auth_method: ``"client_secret_post"``, ``"client_secret_basic"`` or ``"none"`` (default: post
            with a secret, none without).
        flow: ``"authorization_code"`` for a signed-in user (see :meth:`authorize_url`).
        token_store: an object with ``load(key)`` / ``save(key, token)`` (and optionally ``clear(key)``).
        token_file: keep tokens in this JSON file (0600, shared safely between processes).
        on_token: called with each new :class:`Token` after it was saved (on a worker thread).
        timeout: seconds for a token or non-streaming request (and for a stream's response headers).
        connect_timeout: seconds to establish a connection.
        stream_idle_timeout: longest silence, in seconds, allowed inside a chat stream.
        stream_timeout: optional limit, in seconds, on a whole chat stream (none by default).
        max_retries: retries of token requests on 5xx, 429 and connection failures.
        refresh_window: renew tokens this many seconds before expiry.
        enforce_scopes: refuse calls the token's scopes do not allow (default: AGENTIC STAR SaaS only).
        allow_insecure_http: allow plain http off loopback (closed test networks only).
        accumulate: keep each stream's reply text for ``text``/``completion`` (False: constant memory).
        max_reply_bytes: the most reply text a stream keeps while accumulating (then StreamTooLargeError).
    """

    @cached_property
    def chat(self) -> Chat:
        """The Chat Completions API: ``chat.stream(...)`` and ``chat.create(...)``."""
        return Chat(self)

    def __enter__(self) -> Client:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def get_token(self) -> Token:
        """A valid access token: cached while fresh, renewed once for all concurrent callers."""
        return self._native.cached_token() or self._native.get_token(False)

    def force_refresh(self) -> Token:
        """Renew the token now, even if the cached one is still fresh."""
        return self._native.force_refresh(False)  # type: ignore[no-any-return]

    def sign_out(self) -> None:
        """Forget the session, here and in the token store."""
        self._native.sign_out(False)

    def authorize_url(
        self,
        redirect_uri: str,
        *,
        scope: Optional[str] = None,
        ui_locales: Optional[str] = None,
        pkce: bool = True,
        extra: Optional[Iterable[Tuple[str, str]]] = None,
    ) -> AuthorizationRequest:
        """Start the Authorization Code flow: open ``.url`` in a browser, keep the returned request
        (state, nonce and PKCE verifier) until the redirect comes back."""
        return self._native.authorize_url(  # type: ignore[no-any-return]
            False, redirect_uri, scope, ui_locales, pkce, list(extra) if extra else None
        )

    def complete_authorization(self, request: AuthorizationRequest, callback_url: str) -> SignIn:
        """Finish the flow from the URL the browser was redirected to: check the state, exchange the
        code with the PKCE verifier, validate the id_token, and keep the tokens."""
        return self._native.complete_authorization(False, request, callback_url)  # type: ignore[no-any-return]

    def exchange_code(self, request: AuthorizationRequest, code: str) -> SignIn:
        """Exchange a code received by other means (its state must already have been checked)."""
        return self._native.exchange_code(False, request, code)  # type: ignore[no-any-return]

    def request(self, method: str, path: str, *, json: Any = None) -> Response:
        """An authenticated call to any endpoint of the API (``path`` relative to ``api_url``).
        Error statuses raise the matching exception."""
        return self._native.request(False, method, path, json)  # type: ignore[no-any-return]


class AsyncClient(_BaseClient):
    """The asyncio client: the same methods as :class:`Client`, as coroutines.

    Takes the same arguments as :class:`Client`.
    """

    @cached_property
    def chat(self) -> AsyncChat:
        """The Chat Completions API: ``chat.stream(...)`` and ``await chat.create(...)``."""
        return AsyncChat(self)

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    async def aclose(self) -> None:
        self.close()

    async def get_token(self) -> Token:
        """A valid access token: cached while fresh, renewed once for all concurrent callers."""
        cached = self._native.cached_token()  # a hit needs no trip through the event loop
        if cached is not None:
            return cached
        return await self._native.get_token(True)  # type: ignore[no-any-return]

    async def force_refresh(self) -> Token:
        """Renew the token now, even if the cached one is still fresh."""
        return await self._native.force_refresh(True)  # type: ignore[no-any-return]

    async def sign_out(self) -> None:
        """Forget the session, here and in the token store."""
        await self._native.sign_out(True)

    async def authorize_url(
        self,
        redirect_uri: str,
        *,
        scope: Optional[str] = None,
        ui_locales: Optional[str] = None,
        pkce: bool = True,
        extra: Optional[Iterable[Tuple[str, str]]] = None,
    ) -> AuthorizationRequest:
        """Start the Authorization Code flow (see :meth:`Client.authorize_url`)."""
        return await self._native.authorize_url(  # type: ignore[no-any-return]
            True, redirect_uri, scope, ui_locales, pkce, list(extra) if extra else None
        )

    async def complete_authorization(self, request: AuthorizationRequest, callback_url: str) -> SignIn:
        """Finish the flow from the redirect URL (see :meth:`Client.complete_authorization`)."""
        return await self._native.complete_authorization(True, request, callback_url)  # type: ignore[no-any-return]

    async def exchange_code(self, request: AuthorizationRequest, code: str) -> SignIn:
        """Exchange a code received by other means (its state must already have been checked)."""
        return await self._native.exchange_code(True, request, code)  # type: ignore[no-any-return]

    async def request(self, method: str, path: str, *, json: Any = None) -> Response:
        """An authenticated call to any endpoint of the API (see :meth:`Client.request`)."""
        return await self._native.request(True, method, path, json)  # type: ignore[no-any-return]


class Chat:
    """``client.chat``: the Chat Completions API of the synchronous client."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def create(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = None,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> ChatCompletion:
        """The whole reply in one answer (``stream: false``)."""
        body = _body(temperature, max_tokens, None, extra_body)
        return self._client._native.chat(False, list(messages), model, body)  # type: ignore[no-any-return]

    @overload
    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = ...,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        stream_options: Optional[Mapping[str, Any]] = ...,
        extra_body: Optional[Mapping[str, Any]] = ...,
        on_delta: None = ...,
    ) -> ChatStream: ...

    @overload
    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = ...,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        stream_options: Optional[Mapping[str, Any]] = ...,
        extra_body: Optional[Mapping[str, Any]] = ...,
        on_delta: Callable[[ChatChunk], Any],
    ) -> ChatCompletion: ...

    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = None,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        stream_options: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        on_delta: Optional[Callable[[ChatChunk], Any]] = None,
    ) -> Union[ChatStream, ChatCompletion]:
        """Stream a reply. Without ``on_delta``: a :class:`ChatStream` to iterate. With ``on_delta``:
        reads the whole stream, calls ``on_delta(chunk)`` for each chunk, and returns the
        :class:`ChatCompletion`. Errors (authentication, HTTP) are raised by the first read."""
        body = _body(temperature, max_tokens, stream_options, extra_body)
        s = ChatStream(self._client._native.chat_stream(list(messages), model, body))
        return s if on_delta is None else s.collect(on_delta)


class AsyncChat:
    """``client.chat``: the Chat Completions API of the asyncio client."""

    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def create(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = None,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> ChatCompletion:
        """The whole reply in one answer (``stream: false``)."""
        body = _body(temperature, max_tokens, None, extra_body)
        return await self._client._native.chat(True, list(messages), model, body)  # type: ignore[no-any-return]

    @overload
    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = ...,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        stream_options: Optional[Mapping[str, Any]] = ...,
        extra_body: Optional[Mapping[str, Any]] = ...,
        on_delta: None = ...,
    ) -> AsyncChatStream: ...

    @overload
    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = ...,
        temperature: Optional[float] = ...,
        max_tokens: Optional[int] = ...,
        stream_options: Optional[Mapping[str, Any]] = ...,
        extra_body: Optional[Mapping[str, Any]] = ...,
        on_delta: Callable[[ChatChunk], Any],
    ) -> Awaitable[ChatCompletion]: ...

    def stream(
        self,
        *,
        messages: Iterable[MessageParam],
        model: Optional[str] = None,
        temperature: Optional[float] = None,
        max_tokens: Optional[int] = None,
        stream_options: Optional[Mapping[str, Any]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
        on_delta: Optional[Callable[[ChatChunk], Any]] = None,
    ) -> Union[AsyncChatStream, Awaitable[ChatCompletion]]:
        """Stream a reply. Without ``on_delta``: an :class:`AsyncChatStream` for ``async for``.
        With ``on_delta`` (sync or async, called on the event loop): an awaitable that reads the
        whole stream and returns the :class:`ChatCompletion`. Errors are raised by the first read."""
        body = _body(temperature, max_tokens, stream_options, extra_body)
        s = AsyncChatStream(self._client._native.chat_stream(list(messages), model, body))
        return s if on_delta is None else s.collect(on_delta)

