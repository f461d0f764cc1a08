"""AGENTIC STAR SDK for Python: tokens for every AGENTIC STAR provider and streaming chat.

A thin layer over the Rust core (``agenticstar._native``)::

    import agenticstar

    client = agenticstar.Client(
        provider=agenticstar.Provider.agenticstar("https://auth.agenticstar.jp"),
        client_id="...", client_secret="...", api_url="https://api.agenticstar.jp",
    )
    with client.chat.stream(messages=[{"role": "user", "content": "Hello"}]) as stream:
        for chunk in stream:
            print(chunk.text, end="", flush=True)
"""

from . import _exceptions
from . import _native as _native_module
from ._a2a import A2aClient, AsyncA2aClient
from ._client import AsyncChat, AsyncClient, Chat, Client
from ._exceptions import *  # noqa: F403 - the exception classes are part of the public API
from ._mcp import AsyncMcpClient, McpClient
from ._native import (
    AuthorizationRequest,
    ChatChunk,
    ChatCompletion,
    ChunkChoice,
    CompletionChoice,
    CompletionMessage,
    Delta,
    FunctionDelta,
    Provider,
    Response,
    ResponseMeta,
    SignIn,
    Token,
    ToolCallDelta,
    Usage,
    __version__,
)
from ._service import (
    AsyncEchoService,
    AsyncJsonStream,
    AsyncService,
    AsyncServiceBase,
    EchoService,
    JsonStream,
    RawResult,
    Service,
    ServiceBase,
)
from ._streaming import AsyncChatStream, ChatStream
from ._token_events import AsyncErrorStream, AsyncTokenEvents, ErrorStream, TokenEvents
from ._types import ContentPartParam, MessageParam, StoredToken, TokenStore, ToolCallParam

__all__ = [
    "SERVICE_KINDS",
    "A2aClient",
    "AsyncA2aClient",
    "AsyncChat",
    "AsyncChatStream",
    "AsyncClient",
    "AsyncEchoService",
    "AsyncErrorStream",
    "AsyncJsonStream",
    "AsyncMcpClient",
    "AsyncService",
    "AsyncServiceBase",
    "AsyncTokenEvents",
    "AuthorizationRequest",
    "Chat",
    "ChatChunk",
    "ChatCompletion",
    "ChatStream",
    "ChunkChoice",
    "Client",
    "CompletionChoice",
    "CompletionMessage",
    "ContentPartParam",
    "Delta",
    "EchoService",
    "ErrorStream",
    "FunctionDelta",
    "JsonStream",
    "McpClient",
    "MessageParam",
    "Provider",
    "RawResult",
    "Response",
    "ResponseMeta",
    "Service",
    "ServiceBase",
    "SignIn",
    "StoredToken",
    "Token",
    "TokenEvents",
    "TokenStore",
    "ToolCallDelta",
    "ToolCallParam",
    "Usage",
    "__version__",
]
SERVICE_KINDS = tuple(_native_module.service_kinds())
__all__ += _exceptions.__all__
