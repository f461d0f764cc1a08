"""``Client`` (synchronous) and ``AsyncClient``: the same methods, blocking or awaitable."""

from __future__ import annotations

import json
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
    TypeVar,
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
from ._service import AsyncService, Service, WithOptions, _args, request_options_json
from ._streaming import AsyncChatStream, ChatStream
from ._token_events import AsyncTokenEvents, TokenEvents
from ._types import MessageParam, TokenStore

_Svc = TypeVar("_Svc", bound=Service)
_C = TypeVar("_C", bound="_BaseClient")
_ASvc = TypeVar("_ASvc", bound=AsyncService)

__all__ = ["AsyncClient", "Client"]

Flow = Literal["client_credentials", "authorization_code"]
AuthMethod = Literal["client_secret_post", "client_secret_basic", "none"]


_options = request_options_json


def _body(
    messages: Iterable[MessageParam],
    model: Optional[str],
    temperature: Optional[float],
    max_tokens: Optional[int],
    stream_options: Optional[Mapping[str, Any]],
    extra_body: Optional[Mapping[str, Any]],
) -> Dict[str, Any]:
    body: Dict[str, Any] = dict(extra_body or {})
    body["messages"] = list(messages)
    body["model"] = model
    if temperature is not None:
        body["temperature"] = temperature
    if max_tokens is not None:
        body["max_tokens"] = max_tokens
    if stream_options is not None:
        body["stream_options"] = dict(stream_options)
    return body


class _BaseClient(WithOptions):
    # Defaults shown here are the core's (``ClientOptions``); test_options.py checks they agree.
    def __init__(
        self,
        *,
        provider: Optional[Provider] = None,
        client_id: Optional[str] = None,
        client_secret: Optional[str] = None,
        api_url: Optional[str] = None,
        scope: Optional[str] = None,
        auth_method: Optional[AuthMethod] = None,
        flow: Flow = "client_credentials",
        token_store: Union[TokenStore, str, os.PathLike[str], Mapping[str, Any], None] = None,
        strict_store: bool = False,
        store_key: Optional[str] = None,
        on_token: Optional[Callable[[Token], Any]] = None,
        timeout: float = 30.0,
        connect_timeout: float = 10.0,
        stream_idle_timeout: float = 120.0,
        stream_timeout: Optional[float] = None,
        max_retries: int = 3,
        initial_backoff: float = 0.2,
        max_backoff: float = 10.0,
        max_retry_after: float = 30.0,
        refresh_window: float = 300.0,
        expiry_skew: float = 10.0,
        id_token_leeway: float = 60.0,
        accumulate: bool = True,
        max_reply_bytes: int = 67108864,
        enforce_scopes: Optional[bool] = None,
        max_line_bytes: int = 1048576,
        max_event_bytes: int = 8388608,
        allow_insecure_http: bool = False,
        proxy: Optional[str] = None,
        user_agent: Optional[str] = None,
        ca_certs: Optional[Sequence[Union[str, bytes]]] = None,
        request_id_header: Optional[str] = None,
    ) -> None:
        # A path, URL or options mapping is the core's to interpret; anything else is a store object.
        store_spec: Any = None
        if isinstance(token_store, (str, os.PathLike)):
            store_spec = os.fspath(token_store)
        elif isinstance(token_store, Mapping):
            store_spec = dict(token_store)
        store_obj = token_store if store_spec is None else None
        options = {
            "clientId": client_id,
            "clientSecret": client_secret,
            "apiUrl": api_url,
            "scope": scope,
            "authMethod": auth_method,
            "flow": flow,
            "tokenStore": store_spec,
            "strictStore": strict_store,
            "storeKey": store_key,
            "timeout": timeout,
            "connectTimeout": connect_timeout,
            "streamIdleTimeout": stream_idle_timeout,
            "streamTimeout": stream_timeout,
            "maxRetries": max_retries,
            "initialBackoff": initial_backoff,
            "maxBackoff": max_backoff,
            "maxRetryAfter": max_retry_after,
            "refreshWindow": refresh_window,
            "expirySkew": expiry_skew,
            "idTokenLeeway": id_token_leeway,
            "accumulate": accumulate,
            "maxReplyBytes": max_reply_bytes,
            "enforceScopes": enforce_scopes,
            "maxLineBytes": max_line_bytes,
            "maxEventBytes": max_event_bytes,
            "allowInsecureHttp": allow_insecure_http,
            "proxy": proxy,
            "userAgent": user_agent,
            "caCerts": [c.decode() if isinstance(c, bytes) else c for c in ca_certs] if ca_certs is not None else None,
            "requestIdHeader": request_id_header,
        }
        # None means "not given": the core applies its default. Validation is the core's.
        given = json.dumps({k: v for k, v in options.items() if v is not None})
        self._client: Optional[NativeClient] = NativeClient(provider, given, store_obj, on_token)

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

    def _derive(self: _C, options: Optional[str]) -> _C:
        # Client.with_options: the core's client sharing the token manager and connection pool;
        # token requests keep this client's settings, per-call options still win.
        other = object.__new__(type(self))
        other._client = self._native.with_options(options or "{}")
        return other

    def close(self) -> None:
        """Release the client (streams already open keep working until they end)."""
        self._client = None


class Client(_BaseClient):
    """The synchronous client. Calls block the calling thread (never the GIL) until done.

    Args:
        provider: the token service, e.g. ``Provider.agenticstar("https://auth.agenticstar.jp")``.
            What is left out (None) comes from the environment, as in the CLI: ``AGENTICSTAR_PROVIDER``,
            ``AGENTICSTAR_AUTH_URL``, ``AGENTICSTAR_REALM``, ``AGENTICSTAR_CLIENT_ID``,
            ``AGENTICSTAR_CLIENT_SECRET`` (only with its own client id), ``AGENTICSTAR_SCOPE``,
            ``AGENTICSTAR_API_URL``, ``AGENTICSTAR_TOKEN_FILE``; explicit arguments win.
        client_id, client_secret: the application's registration; leave ``client_secret`` out (None)
            for a public client (a native app using PKCE), which sends only its id.
        api_url: base URL of the agent API (Marketplace and the wrapped API default to their own host).
        scope: scopes to request with client credentials (space separated).
        auth_method: how the client authenticates (default: ``client_secret_post`` with a secret,
            ``none`` for a public client without one).
        accumulate: keep each stream's text for ``text`` / ``completion()`` (off: constant memory).
        max_reply_bytes: the most reply text a stream keeps while accumulating.
        flow: ``"authorization_code"`` for a signed-in user (see :meth:`authorize_url`).
        token_store: a file path (tokens kept as JSON, 0600, shared safely between processes), a
            ``redis://`` URL or a mapping of Redis store options (see the README), or an object with
            ``load(key)`` / ``save(key, token)`` (and optionally ``clear(key)``).
        strict_store: make a failed token store save an error (default: logged, the token is used).
        expiry_skew: seconds before expiry where callers stop getting the cached token and wait.
        on_token: called with each new :class:`Token` after it was saved (on a worker thread).
        timeout: seconds for a token or non-streaming request (and for a stream's response headers).
        connect_timeout: seconds to establish a connection.
        stream_idle_timeout: longest silence, in seconds, allowed inside a chat stream.
        stream_timeout: optional limit, in seconds, on a whole chat stream (none by default).
        max_retries: retries of token and API requests on 5xx, 429 and connection failures.
        initial_backoff, max_backoff: seconds of the first and the longest pause between retries.
        max_retry_after: a longer Retry-After (seconds) is not waited out; the error is raised with it.
        refresh_window: renew tokens this many seconds before expiry.
        id_token_leeway: seconds of clock skew allowed when checking an id_token.
        max_line_bytes, max_event_bytes: limits on one SSE line and one event's data.
        ca_certs: extra trusted root certificates (PEM text or bytes).
        enforce_scopes: refuse calls the token's scopes do not allow (default: AGENTIC STAR SaaS only).
        allow_insecure_http: allow plain http off loopback (closed test networks only).
        accumulate: keep each stream's reply text for ``text``/``completion`` (False: constant memory).
        max_reply_bytes: the most reply text a stream keeps while accumulating (then StreamTooLargeError).
        request_id_header: the header naming the server's request id, tried before ``x-request-id``
            and ``request-id`` (``completion.response.request_id``, ``error.request_id``).

    Every call also takes ``timeout`` (seconds), ``max_retries``, ``extra_headers``, ``extra_query``
    (and ``extra_body``) for itself; :meth:`with_options` makes them a new client's defaults.
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

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> Response:
        """An authenticated call to any endpoint of the API (``path`` relative to ``api_url``).
        Error statuses raise the matching exception. ``timeout`` (seconds), ``max_retries`` and the
        ``extra_*`` options apply to this call only (see :meth:`with_options`)."""
        o = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        return self._native.request(False, method, path, json, o)  # type: ignore[no-any-return]

    @overload
    def service(self, kind: str, *, cls: Type[_Svc], **options: Any) -> _Svc: ...
    @overload
    def service(self, kind: str, **options: Any) -> Service: ...
    def service(self, kind: str, *, cls: Type[Service] = Service, **options: Any) -> Service:
        """Open a service of the core (``"mcp"``, ``"a2a"``, ... see ``agenticstar.SERVICE_KINDS``) on
        this client's tokens and connections; ``cls`` is the wrapper class to return."""
        return cls(self._native.service(False, kind, _args(options)))

    def token_events(self) -> TokenEvents:
        """What happens to this client's tokens, as streams (e.g. ``store_errors()``)."""
        return self.service("token_events", cls=TokenEvents)


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

    async def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        extra_body: Optional[Mapping[str, Any]] = None,
    ) -> Response:
        """An authenticated call to any endpoint of the API (see :meth:`Client.request`)."""
        o = _options(timeout, max_retries, extra_headers, extra_query, extra_body)
        return await self._native.request(True, method, path, json, o)  # type: ignore[no-any-return]

    @overload
    async def service(self, kind: str, *, cls: Type[_ASvc], **options: Any) -> _ASvc: ...
    @overload
    async def service(self, kind: str, **options: Any) -> AsyncService: ...
    async def service(self, kind: str, *, cls: Type[AsyncService] = AsyncService, **options: Any) -> AsyncService:
        """Open a service of the core (see :meth:`Client.service`)."""
        return cls(await self._native.service(True, kind, _args(options)))

    async def token_events(self) -> AsyncTokenEvents:
        """What happens to this client's tokens, as streams (e.g. ``store_errors()``)."""
        return await self.service("token_events", cls=AsyncTokenEvents)


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
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
    ) -> ChatCompletion:
        """The whole reply in one answer (``stream: false``); ``.response`` has its status,
        headers and request id. ``extra_body`` fields join the request; ``timeout`` (seconds),
        ``max_retries``, ``extra_headers`` and ``extra_query`` apply to this call only."""
        body = _body(messages, model, temperature, max_tokens, None, extra_body)
        o = _options(timeout, max_retries, extra_headers, extra_query)
        return self._client._native.chat(False, body, o)  # type: ignore[no-any-return]

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
        timeout: Optional[float] = ...,
        max_retries: Optional[int] = ...,
        extra_headers: Optional[Mapping[str, str]] = ...,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = ...,
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
        timeout: Optional[float] = ...,
        max_retries: Optional[int] = ...,
        extra_headers: Optional[Mapping[str, str]] = ...,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = ...,
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
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        on_delta: Optional[Callable[[ChatChunk], Any]] = None,
    ) -> Union[ChatStream, ChatCompletion]:
        """Stream a reply. Without ``on_delta``: a :class:`ChatStream` to iterate. With ``on_delta``:
        reads the whole stream, calls ``on_delta(chunk)`` for each chunk, and returns the
        :class:`ChatCompletion`. Errors (authentication, HTTP) are raised by the first read."""
        body = _body(messages, model, temperature, max_tokens, stream_options, extra_body)
        o = _options(timeout, max_retries, extra_headers, extra_query)
        s = ChatStream(self._client._native.chat_stream(body, o))
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
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
    ) -> ChatCompletion:
        """The whole reply in one answer (``stream: false``); ``.response`` has its status,
        headers and request id. ``extra_body`` fields join the request; ``timeout`` (seconds),
        ``max_retries``, ``extra_headers`` and ``extra_query`` apply to this call only."""
        body = _body(messages, model, temperature, max_tokens, None, extra_body)
        o = _options(timeout, max_retries, extra_headers, extra_query)
        return await self._client._native.chat(True, body, o)  # type: ignore[no-any-return]

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
        timeout: Optional[float] = ...,
        max_retries: Optional[int] = ...,
        extra_headers: Optional[Mapping[str, str]] = ...,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = ...,
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
        timeout: Optional[float] = ...,
        max_retries: Optional[int] = ...,
        extra_headers: Optional[Mapping[str, str]] = ...,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = ...,
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
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        extra_headers: Optional[Mapping[str, str]] = None,
        extra_query: Optional[Mapping[str, Union[str, int, float, bool]]] = None,
        on_delta: Optional[Callable[[ChatChunk], Any]] = None,
    ) -> Union[AsyncChatStream, Awaitable[ChatCompletion]]:
        """Stream a reply. Without ``on_delta``: an :class:`AsyncChatStream` for ``async for``.
        With ``on_delta`` (sync or async, called on the event loop): an awaitable that reads the
        whole stream and returns the :class:`ChatCompletion`. Errors are raised by the first read."""
        body = _body(messages, model, temperature, max_tokens, stream_options, extra_body)
        o = _options(timeout, max_retries, extra_headers, extra_query)
        s = AsyncChatStream(self._client._native.chat_stream(body, o))
        return s if on_delta is None else s.collect(on_delta)

