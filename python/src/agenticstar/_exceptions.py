"""Exceptions raised by agenticstar: one base class, one subclass per error kind of the core.

Every exception carries ``kind`` (the stable snake_case code shared by every language of the SDK),
``status``, ``code``, ``code_reason``, ``retry_after`` (seconds) and ``body_excerpt``; errors caused by
an HTTP answer also carry its ``request_id``, ``headers`` and ``www_authenticate``. Messages,
excerpts and headers are scrubbed of secrets by the core before they get here.
"""

from __future__ import annotations

import builtins
import json
from typing import Any, Dict, Optional, Tuple, Type

__all__ = [
    "APIError",
    "APITimeoutError",
    "AgenticStarError",
    "AuthenticationError",
    "AuthorizationDeniedError",
    "CallbackInvalidError",
    "CallbackIssuerMismatchError",
    "CallbackIssuerMissingError",
    "ConfigError",
    "ContentTypeNotSupportedError",
    "DeviceCodeExpiredError",
    "DiscoveryIssuerMismatchError",
    "ExtendedCardNotConfiguredError",
    "ExtensionSupportRequiredError",
    "ForbiddenError",
    "IdTokenAudienceError",
    "IdTokenAzpError",
    "IdTokenError",
    "IdTokenExpiredError",
    "IdTokenIssuerError",
    "IdTokenKeyError",
    "IdTokenNonceError",
    "IdTokenNotYetValidError",
    "IdTokenSignatureError",
    "InsecureTransportError",
    "InsufficientScopeError",
    "InternalError",
    "InvalidAgentResponseError",
    "InvalidClientError",
    "InvalidGrantError",
    "InvalidRequestError",
    "JsonRpcError",
    "LicensesExhaustedError",
    "NetworkError",
    "PushNotificationNotSupportedError",
    "RateLimitError",
    "RedirectError",
    "ServerError",
    "SignInRequiredError",
    "StateMismatchError",
    "StoreError",
    "StreamDecodeError",
    "StreamError",
    "StreamTooLargeError",
    "StreamTruncatedError",
    "TaskNotCancelableError",
    "TaskNotFoundError",
    "UnauthorizedClientError",
    "UnauthorizedError",
    "UnexpectedResponseError",
    "UnsupportedAgentError",
    "UnsupportedOperationError",
    "VersionNotSupportedError",
]


class AgenticStarError(Exception):
    """Base class of every error the SDK raises.

    Attributes:
        kind: stable error code (``"invalid_client"``, ``"rate_limited"``, ...), the same in every language.
        message: human-readable description (never contains secrets).
        status: HTTP status of the answer that caused the error, if any.
        code: the server's error code (``"invalid_client"``, ``"401021"``, ``"insufficient_scope"``, ...).
        code_reason: the wrapped token API's ``code_reason``.
        retry_after: seconds the server asked to wait (Retry-After), or the back-off still running.
        body_excerpt: a short, secret-scrubbed excerpt of the body that caused the error.
        details: protocol-specific details as JSON data (JSON-RPC ``data``, ``resourceMetadata``, ...).
        request_id: the server's id of the failed request (``x-request-id``, ...), to quote to support.
        headers: the answer's headers (names lower-case; values that may be secrets are ``"***"``);
            empty when no answer caused the error.
        www_authenticate: the answer's ``WWW-Authenticate`` challenge (401 / 403), if any.
    """

    kind: str = "internal"

    def __init__(
        self,
        message: str,
        *,
        kind: Optional[str] = None,
        status: Optional[int] = None,
        code: Optional[str] = None,
        code_reason: Optional[str] = None,
        retry_after: Optional[float] = None,
        body_excerpt: Optional[str] = None,
        details: Any = None,
        request_id: Optional[str] = None,
        headers: Optional[Dict[str, str]] = None,
        www_authenticate: Optional[str] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind
        self.status = status
        self.code = code
        self.code_reason = code_reason
        self.retry_after = retry_after
        self.body_excerpt = body_excerpt
        self.details = details
        self.request_id = request_id
        self.headers: Dict[str, str] = dict(headers or {})
        self.www_authenticate = www_authenticate

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        fields = [f"kind={self.kind!r}", f"message={self.message!r}"]
        for name in ("status", "code", "code_reason", "retry_after", "request_id"):
            value = getattr(self, name)
            if value is not None:
                fields.append(f"{name}={value!r}")
        return f"{type(self).__name__}({', '.join(fields)})"

    def __reduce__(self) -> Tuple[Any, ...]:
        # Keyword-only attributes would be lost by the default pickling of exceptions.
        return (_rebuild, (type(self), self.message, self._fields()))

    def _fields(self) -> Dict[str, Any]:
        return {
            "kind": self.kind,
            "status": self.status,
            "code": self.code,
            "code_reason": self.code_reason,
            "retry_after": self.retry_after,
            "body_excerpt": self.body_excerpt,
            "details": self.details,
            "request_id": self.request_id,
            "headers": self.headers,
            "www_authenticate": self.www_authenticate,
        }


def _rebuild(cls: Type[AgenticStarError], message: str, fields: Dict[str, Any]) -> AgenticStarError:
    return cls(message, **fields)


class ConfigError(AgenticStarError, ValueError):
    """Bad configuration or argument; no request was made."""

    kind = "config"


class InsecureTransportError(ConfigError):
    """A non-loopback endpoint was given over plain http."""

    kind = "insecure_transport"


class InvalidClientError(AgenticStarError):
    """The server rejected the client id or secret (``invalid_client``)."""

    kind = "invalid_client"


class InvalidRequestError(AgenticStarError):
    """The server says the request was malformed or incomplete (``invalid_request``, 400)."""

    kind = "invalid_request"


class InvalidGrantError(AgenticStarError):
    """A code or refresh token was rejected (``invalid_grant``)."""

    kind = "invalid_grant"


class SignInRequiredError(AgenticStarError):
    """The session ended (no or a dead refresh token): the user has to sign in again."""

    kind = "sign_in_required"


class UnauthorizedClientError(AgenticStarError):
    """The client may not use this grant (``unauthorized_client``, ``unsupported_grant_type``)."""

    kind = "unauthorized_client"


class AuthenticationError(AgenticStarError):
    """The API rejected the bearer token even after one renewal (401)."""

    kind = "authentication"


class ForbiddenError(AgenticStarError):
    """Access refused (403)."""

    kind = "forbidden"


class LicensesExhaustedError(ForbiddenError):
    """Keycloak: no concurrent user licence is available. Back off (see ``retry_after``)."""

    kind = "licenses_exhausted"


class InsufficientScopeError(ForbiddenError):
    """The token lacks the scope the call needs."""

    kind = "insufficient_scope"


class RateLimitError(AgenticStarError):
    """429: slow down; ``retry_after`` says for how long when the server said."""

    kind = "rate_limited"


class APIError(AgenticStarError):
    """Any other error status from an API, with its ``status``, ``code`` and ``code_reason``."""

    kind = "api_error"


class ServerError(APIError):
    """5xx from the server."""

    kind = "server_error"


class NetworkError(AgenticStarError):
    """Connection refused or reset, DNS or TLS failure."""

    kind = "network"


class APITimeoutError(NetworkError, builtins.TimeoutError):
    """A time limit passed (connect, request, or silence in a stream)."""

    kind = "timeout"


class UnexpectedResponseError(AgenticStarError):
    """A successful answer that is not what the protocol promises."""

    kind = "unexpected_response"


class AuthorizationDeniedError(AgenticStarError):
    """The authorization server redirected back with ``error=`` (``code`` holds it, e.g. ``access_denied``)."""

    kind = "authorization_denied"


class StateMismatchError(AgenticStarError):
    """The callback's ``state`` does not match the request: possibly forged, never exchanged."""

    kind = "state_mismatch"


class IdTokenError(AgenticStarError):
    """The id_token is missing or malformed (base class of the other id_token errors)."""

    kind = "id_token_invalid"


class IdTokenSignatureError(IdTokenError):
    kind = "id_token_signature"


class IdTokenNonceError(IdTokenError):
    kind = "id_token_nonce"


class IdTokenAudienceError(IdTokenError):
    kind = "id_token_audience"


class IdTokenIssuerError(IdTokenError):
    kind = "id_token_issuer"


class IdTokenExpiredError(IdTokenError):
    kind = "id_token_expired"


class RedirectError(AgenticStarError):
    """A 3xx answer: redirects are never followed; the message names the ``Location``."""

    kind = "redirect"


class CallbackIssuerMismatchError(AgenticStarError):
    """The callback's RFC 9207 ``iss`` names another issuer (a mix-up attack)."""

    kind = "callback_issuer_mismatch"


class CallbackIssuerMissingError(AgenticStarError):
    """The callback has no ``iss`` although the server says it always sends one."""

    kind = "callback_issuer_missing"


class CallbackInvalidError(AgenticStarError):
    """The callback is malformed (a repeated parameter, another origin or path)."""

    kind = "callback_invalid"


class DiscoveryIssuerMismatchError(AgenticStarError):
    """The discovery document's ``issuer`` is not the configured issuer."""

    kind = "discovery_issuer_mismatch"


class IdTokenNotYetValidError(IdTokenError):
    """The id_token's ``nbf`` or ``iat`` lies in the future."""

    kind = "id_token_not_yet_valid"


class IdTokenAzpError(IdTokenError):
    """Several audiences without ``azp``, or an ``azp`` naming another client."""

    kind = "id_token_azp"


class IdTokenKeyError(IdTokenError):
    """The JWKS key may not verify this id_token (``use``, ``key_ops`` or ``alg``)."""

    kind = "id_token_key"


class DeviceCodeExpiredError(AgenticStarError):
    """A device sign-in (RFC 8628) was not approved before its code expired."""

    kind = "device_code_expired"


class StreamError(AgenticStarError):
    """The server reported an error inside the stream (base class of the other stream errors)."""

    kind = "stream_error"


class StreamTruncatedError(StreamError):
    """The stream ended, or the connection broke, before ``data: [DONE]``."""

    kind = "stream_truncated"


class StreamDecodeError(StreamError):
    """A stream chunk is not valid JSON of the expected shape."""

    kind = "stream_decode"


class StreamTooLargeError(StreamError):
    """A stream line or event exceeded the size limit."""

    kind = "stream_too_large"


class StoreError(AgenticStarError):
    """The token store failed to load or save."""

    kind = "store"


class UnauthorizedError(AuthenticationError):
    """A protocol endpoint (MCP, A2A) refused the bearer token after one renewal, or got none (401);
    ``details`` carry its ``WWW-Authenticate`` challenge."""

    kind = "unauthorized"


class JsonRpcError(AgenticStarError):
    """The server answered with a JSON-RPC error; ``code`` is its code, ``details`` ``{code, message, data}``."""

    kind = "jsonrpc_error"


class TaskNotFoundError(JsonRpcError):
    """A2A -32001: no such task (or not visible to this caller)."""

    kind = "task_not_found"


class TaskNotCancelableError(JsonRpcError):
    """A2A -32002: the task is in a terminal state and cannot be canceled."""

    kind = "task_not_cancelable"


class PushNotificationNotSupportedError(JsonRpcError):
    """A2A -32003: the agent does not do push notifications."""

    kind = "push_notification_not_supported"


class UnsupportedOperationError(JsonRpcError):
    """A2A -32004: the agent does not do this."""

    kind = "unsupported_operation"


class ContentTypeNotSupportedError(JsonRpcError):
    """A2A -32005: the agent does not accept or produce these media types."""

    kind = "content_type_not_supported"


class InvalidAgentResponseError(JsonRpcError):
    """A2A -32006: the agent's answer breaks the protocol."""

    kind = "invalid_agent_response"


class ExtendedCardNotConfiguredError(JsonRpcError):
    """A2A -32007: the agent has no extended card."""

    kind = "extended_card_not_configured"


class ExtensionSupportRequiredError(JsonRpcError):
    """A2A -32008: the agent requires an extension the request did not declare."""

    kind = "extension_support_required"


class VersionNotSupportedError(JsonRpcError):
    """A2A -32009: the agent does not speak this protocol version."""

    kind = "version_not_supported"


class UnsupportedAgentError(AgenticStarError):
    """The agent card offers no interface or security scheme this client speaks."""

    kind = "unsupported_agent"


class InternalError(AgenticStarError):
    """A bug in the SDK (for example a Rust panic caught at the boundary)."""

    kind = "internal"


_CLASS_BY_KIND: Dict[str, Type[AgenticStarError]] = {
    cls.kind: cls
    for cls in globals().copy().values()
    if isinstance(cls, type) and issubclass(cls, AgenticStarError) and cls is not AgenticStarError
}


def _from_native(details: str) -> AgenticStarError:
    """Called by the extension with the core's error details (JSON: the shape every language gets)."""
    return _from_details(json.loads(details))


def _from_details(d: Dict[str, Any]) -> AgenticStarError:
    """The exception for the core's error details object (also how error events are delivered)."""
    kind = d["kind"]
    retry_ms = d.get("retryAfterMs")
    cls = _CLASS_BY_KIND.get(kind, AgenticStarError)
    return cls(
        d["message"],
        kind=kind,
        status=d.get("status"),
        code=d.get("code"),
        code_reason=d.get("codeReason"),
        retry_after=retry_ms / 1000.0 if retry_ms is not None else None,
        body_excerpt=d.get("bodyExcerpt"),
        details=d.get("details"),
        request_id=d.get("requestId"),
        headers=d.get("headers"),
        www_authenticate=d.get("wwwAuthenticate"),
    )
