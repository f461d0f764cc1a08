"""Typed shapes of what the application passes in."""

from __future__ import annotations

from typing import Any, Optional, Protocol, TypedDict

__all__ = ["MessageParam", "StoredToken", "TokenStore"]


class MessageParam(TypedDict):
    """One chat message: ``{"role": "user", "content": "..."}``."""

    role: str
    content: str


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
