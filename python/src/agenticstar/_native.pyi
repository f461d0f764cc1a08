"""Type stubs of the compiled extension ``agenticstar._native`` (Rust, pyo3)."""

from typing import Any, Dict, List, Optional, Tuple, final

__version__: str

@final
class Provider:
    """A token service: where tokens come from and which dialect it speaks."""

    @staticmethod
    def agenticstar(auth_url: str) -> Provider:
        """AGENTIC STAR SaaS: ``{auth_url}/federation/auth/v1/{token,authorize}`` with OIDC discovery."""
    @staticmethod
    def marketplace(base_url: str) -> Provider:
        """AGENTIC STAR Marketplace: JSON ``POST {base_url}/api/v1/auth/external-service-token``."""
    @staticmethod
    def keycloak(base_url: str, realm: str) -> Provider:
        """Eggplant DAI (Keycloak): ``{base_url}/auth/realms/{realm}/protocol/openid-connect/token``."""
    @staticmethod
    def wrapped(api_url: str) -> Provider:
        """The wrapped token API: ``POST {api_url}/auth/token`` (answers under ``{"data": ...}``)."""
    @staticmethod
    def oidc(issuer: str) -> Provider:
        """Any OIDC server; endpoints found at ``{issuer}/.well-known/openid-configuration``."""
    @staticmethod
    def oauth(token_url: str, authorize_url: Optional[str] = None) -> Provider:
        """Any OAuth 2.0 server with its endpoints given directly."""
    @staticmethod
    def from_name(name: str, url: str, realm: Optional[str] = None) -> Provider:
        """By name: ``agenticstar``/``saas``, ``marketplace``, ``keycloak``, ``wrapped``, ``oidc``, ``oauth``."""
    @property
    def dialect(self) -> str:
        """``"oauth"``, ``"marketplace"`` or ``"wrapped"``."""

@final
class Token:
    """An access token and what is known about it. ``repr()`` never shows the secrets."""

    @property
    def access_token(self) -> str:
        """The bearer token (a secret: keep it out of logs)."""
    @property
    def token_type(self) -> str: ...
    @property
    def scopes(self) -> Optional[List[str]]:
        """The granted scopes, or None when the server did not say."""
    @property
    def expires_in(self) -> Optional[float]:
        """Seconds left before expiry (0.0 once expired); None if the server gave no lifetime."""
    @property
    def expires_at(self) -> Optional[int]:
        """Expiry as Unix seconds."""
    @property
    def is_expired(self) -> bool: ...
    @property
    def refresh_token(self) -> Optional[str]:
        """The refresh token of a user session (a secret)."""
    @property
    def id_token(self) -> Optional[str]:
        """The raw id_token (a secret)."""
    def has_scope(self, scope: str) -> bool:
        """Whether the token allows ``scope``, directly or through an including scope (``chat:all`` covers ``chat:exec``)."""

@final
class AuthorizationRequest:
    """A started sign-in: send the user to ``url``; keep this object (or ``to_json()``) until the callback."""

    @property
    def url(self) -> str:
        """The authorize URL to open in the browser."""
    @property
    def redirect_uri(self) -> str: ...
    @property
    def state(self) -> str:
        """The CSRF ``state`` (checked against the callback in constant time)."""
    @property
    def nonce(self) -> str:
        """The ``nonce`` the id_token must carry."""
    @property
    def code_verifier(self) -> Optional[str]:
        """The PKCE verifier (None when PKCE was turned off)."""
    def to_json(self) -> str:
        """Serialize, secrets included, to keep it across the browser round trip (e.g. in a server-side session)."""
    @staticmethod
    def from_json(data: str) -> AuthorizationRequest:
        """The inverse of :meth:`to_json`."""
    def parse_callback(self, callback_url: str) -> str:
        """Check the redirect URL (``state``, ``error``) and return the authorization code."""

@final
class SignIn:
    """The outcome of a completed sign-in."""

    @property
    def token(self) -> Token: ...
    @property
    def id_claims(self) -> Optional[Dict[str, Any]]:
        """The validated id_token's claims (``sub``, ``name``, ``email``, ...), when one was issued."""

@final
class ResponseMeta:
    """Status, headers and request id of an answer (``completion.response``, ``stream.response``)."""

    @property
    def status(self) -> int: ...
    @property
    def headers(self) -> Dict[str, str]:
        """Names lower-case; values of headers that may hold secrets (cookies, credentials) are "***"."""
    @property
    def request_id(self) -> Optional[str]:
        """The server's id for this request (quote it to support)."""
    @property
    def www_authenticate(self) -> Optional[str]: ...
    def header(self, name: str) -> Optional[str]:
        """The first value of header ``name`` (any case)."""

@final
class Response:
    """The answer to ``client.request()`` (error statuses are raised as exceptions instead)."""

    @property
    def headers(self) -> Dict[str, str]:
        """Names lower-case; values of headers that may hold secrets are "***"."""
    @property
    def request_id(self) -> Optional[str]: ...
    @property
    def response(self) -> ResponseMeta:
        """Status, headers and request id, as on a completion."""
    @property
    def status(self) -> int: ...
    @property
    def content_type(self) -> Optional[str]: ...
    @property
    def content(self) -> bytes: ...
    @property
    def text(self) -> str: ...
    def json(self) -> Any:
        """The body parsed as JSON (raises UnexpectedResponseError when it is not JSON)."""

@final
class Usage:
    """Token counts of a reply."""

    @property
    def prompt_tokens(self) -> int: ...
    @property
    def completion_tokens(self) -> int: ...
    @property
    def total_tokens(self) -> int: ...
    def to_dict(self) -> Dict[str, Any]: ...

@final
class FunctionDelta:
    @property
    def name(self) -> Optional[str]: ...
    @property
    def arguments(self) -> Optional[str]: ...

@final
class ToolCallDelta:
    @property
    def index(self) -> int: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def type(self) -> Optional[str]: ...
    @property
    def function(self) -> Optional[FunctionDelta]: ...

@final
class Delta:
    """What one chunk adds to a choice."""

    @property
    def role(self) -> Optional[str]: ...
    @property
    def content(self) -> Optional[str]: ...
    @property
    def tool_calls(self) -> Optional[List[ToolCallDelta]]: ...

@final
class ChunkChoice:
    @property
    def index(self) -> int: ...
    @property
    def delta(self) -> Delta: ...
    @property
    def finish_reason(self) -> Optional[str]: ...

@final
class ChatChunk:
    """One streamed piece of a reply."""

    @property
    def text(self) -> str:
        """The first choice's new text (``""`` when none)."""
    @property
    def delta(self) -> Delta:
        """The first choice's delta (empty when the chunk has no choices, e.g. the usage chunk)."""
    @property
    def choices(self) -> List[ChunkChoice]: ...
    @property
    def finish_reason(self) -> Optional[str]:
        """Set on the chunk that ends a choice (``"stop"``, ``"length"``, ...)."""
    @property
    def usage(self) -> Optional[Usage]:
        """Token counts, on the final chunk when ``stream_options={"include_usage": True}``."""
    @property
    def id(self) -> Optional[str]: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def created(self) -> Optional[int]: ...
    def to_dict(self) -> Dict[str, Any]:
        """The chunk as JSON-like dicts and lists."""

@final
class CompletionMessage:
    @property
    def role(self) -> str: ...
    @property
    def content(self) -> Optional[str]: ...
    @property
    def tool_calls(self) -> Optional[Any]: ...

@final
class CompletionChoice:
    @property
    def index(self) -> int: ...
    @property
    def message(self) -> CompletionMessage: ...
    @property
    def finish_reason(self) -> Optional[str]: ...

@final
class ChatCompletion:
    """A whole reply: from ``chat.create()``, or accumulated by a stream."""

    @property
    def text(self) -> str:
        """The first choice's text."""
    @property
    def finish_reason(self) -> Optional[str]: ...
    @property
    def choices(self) -> List[CompletionChoice]: ...
    @property
    def usage(self) -> Optional[Usage]: ...
    @property
    def id(self) -> Optional[str]: ...
    @property
    def model(self) -> Optional[str]: ...
    @property
    def created(self) -> Optional[int]: ...
    @property
    def response(self) -> Optional[ResponseMeta]:
        """Status, headers and request id of the answer (None for a completion a stream accumulated
        before its answer arrived)."""
    def to_dict(self) -> Dict[str, Any]: ...

@final
class NativeChatStream:
    """Internal: the core stream, read one batch (list of chunks) at a time; ``[]`` means the end."""

    def next_batch(self, asynchronous: bool) -> Any: ...
    def try_next_batch(self) -> Optional[List[ChatChunk]]: ...
    def cancel(self) -> None: ...
    @property
    def text(self) -> str: ...
    @property
    def finish_reason(self) -> Optional[str]: ...
    @property
    def usage(self) -> Optional[Usage]: ...
    @property
    def is_finished(self) -> bool: ...
    @property
    def response(self) -> Optional[ResponseMeta]: ...
    def completion(self) -> ChatCompletion: ...

@final
class NativeClient:
    """Internal: use ``agenticstar.Client`` or ``agenticstar.AsyncClient``. Each I/O method takes
    ``asynchronous``: True returns an awaitable, False blocks with the GIL released."""

    def __new__(cls, provider: Optional[Provider], options: str, token_store: Any = None, on_token: Any = None) -> NativeClient: ...
    @property
    def store_key(self) -> str: ...
    @property
    def current_token(self) -> Optional[Token]: ...
    def cached_token(self) -> Optional[Token]:
        """The cached token if it is fresh, else None (no I/O)."""
    def get_token(self, asynchronous: bool) -> Any: ...
    def force_refresh(self, asynchronous: bool) -> Any: ...
    def sign_out(self, asynchronous: bool) -> Any: ...
    def authorize_url(
        self,
        asynchronous: bool,
        redirect_uri: str,
        scope: Optional[str] = None,
        ui_locales: Optional[str] = None,
        pkce: bool = True,
        extra: Optional[List[Tuple[str, str]]] = None,
    ) -> Any: ...
    def complete_authorization(self, asynchronous: bool, request: AuthorizationRequest, callback_url: str) -> Any: ...
    def exchange_code(self, asynchronous: bool, request: AuthorizationRequest, code: str) -> Any: ...
    def with_options(self, options: str) -> NativeClient: ...
    def request(
        self, asynchronous: bool, method: str, path: str, json: Any = None, options: Optional[str] = None
    ) -> Any: ...
    def chat(self, asynchronous: bool, request: Dict[str, Any], options: Optional[str] = None) -> Any: ...
    def chat_stream(self, request: Dict[str, Any], options: Optional[str] = None) -> NativeChatStream: ...
    def service(self, asynchronous: bool, kind: str, options: str) -> Any: ...

@final
class NativeService:
    """Internal: a core service; arguments and results are JSON text."""

    def methods(self) -> str: ...
    def call(self, asynchronous: bool, method: str, args: str, options: Optional[str] = None) -> Any: ...
    def open(self, method: str, args: str, options: Optional[str] = None) -> NativeJsonStream: ...
    def close(self, asynchronous: bool) -> Any: ...

@final
class NativeJsonStream:
    """Internal: a core JSON stream; ``next_batch`` gives a JSON array text, None at the end."""

    def next_batch(self, asynchronous: bool) -> Any: ...
    def cancel(self) -> None: ...

def error_kinds() -> List[str]:
    """Every error kind of the core."""
def error_classes() -> str:
    """The core's error class table as JSON text: ``[{kind, className, parent}]``."""
def service_kinds() -> List[str]:
    """Every service kind of the core surface."""
def service_methods(kind: str) -> Optional[str]:
    """A service kind's methods as JSON text."""
def client_option_defaults() -> str:
    """The core's client option defaults as JSON text."""
def _panic_for_tests(asynchronous: bool) -> Any: ...
