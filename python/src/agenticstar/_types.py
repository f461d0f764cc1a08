"""Typed shapes of what the application passes in."""

from __future__ import annotations

from typing import Any, List, Literal, Optional, Protocol, TypedDict, Union

__all__ = ["ContentPartParam", "MessageParam", "StoredToken", "TokenStore", "ToolCallParam"]


class _TextPart(TypedDict):
    type: Literal["text"]
    text: str


class _ImageUrl(TypedDict, total=False):
    url: str
    detail: Literal["auto", "low", "high"]


class _ImagePart(TypedDict):
    type: Literal["image_url"]
    image_url: _ImageUrl


class _InputAudio(TypedDict):
    data: str
    format: str


class _AudioPart(TypedDict):
    type: Literal["input_audio"]
    input_audio: _InputAudio


class _RefusalPart(TypedDict):
    type: Literal["refusal"]
    refusal: str


ContentPartParam = Union[_TextPart, _ImagePart, _AudioPart, _RefusalPart]
"""One part of an array ``content`` (the wire's shapes)."""


class _Function(TypedDict):
    name: str
    arguments: str


class ToolCallParam(TypedDict):
    """A tool call an assistant made, sent back in the conversation."""

    id: str
    type: Literal["function"]
    function: _Function


class _Role(TypedDict):
    role: Literal["system", "developer", "user", "assistant", "tool"]


class MessageParam(_Role, total=False):
    """One chat message in the wire's shape, e.g. ``{"role": "user", "content": "..."}`` or
    ``{"role": "tool", "tool_call_id": "call_1", "content": "42"}``. The core checks it (a ``tool``
    message needs ``tool_call_id``; ``content`` is required except beside ``tool_calls``)."""

    content: Union[str, List[ContentPartParam], None]
    name: str
    tool_calls: List[ToolCallParam]
    tool_call_id: str


class StoredToken(TypedDict, total=False):
    """A token as handed to a :class:`TokenStore` (it contains secrets: store it like a password).

    Times are Unix seconds.
    """

    access_token: str
    token_type: str
    scope: Optional[str]
    expires_at: Optional[int]
    lifetime_secs: Optional[int]
    refresh_token: Optional[str]
    refresh_expires_at: Optional[int]
    id_token: Optional[str]


class TokenStore(Protocol):
    """Where tokens are kept between calls and runs (keyring, database, encrypted file...).

    The methods are called from a worker thread of the SDK, never on the asyncio loop: keep them
    synchronous, and do not call the synchronous ``Client`` from them. ``save`` is called before
    anyone receives a new token, so a rotated refresh token is never lost. An optional
    ``clear(key)`` method is called on ``sign_out()``.
    """

    def load(self, key: str) -> Optional[StoredToken]: ...

    def save(self, key: str, token: StoredToken) -> Any: ...
