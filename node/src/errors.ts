/**
 * Typed errors. The native module rejects with `{kind, message, status, ...}` as JSON in the
 * error message (napi errors carry only a string); `call.ts` rebuilds the class from it.
 * Messages come from the core, which scrubs secrets before it makes them.
 */

/** The stable error codes, the same in every language of the SDK. */
export type ErrorKind =
  | 'config'
  | 'insecure_transport'
  | 'invalid_client'
  | 'invalid_request'
  | 'invalid_grant'
  | 'sign_in_required'
  | 'unauthorized_client'
  | 'authentication'
  | 'forbidden'
  | 'licenses_exhausted'
  | 'insufficient_scope'
  | 'rate_limited'
  | 'server_error'
  | 'api_error'
  | 'timeout'
  | 'network'
  | 'unexpected_response'
  | 'authorization_denied'
  | 'state_mismatch'
  | 'id_token_signature'
  | 'id_token_nonce'
  | 'id_token_audience'
  | 'id_token_issuer'
  | 'id_token_expired'
  | 'id_token_invalid'
  | 'stream_truncated'
  | 'stream_decode'
  | 'stream_error'
  | 'stream_too_large'
  | 'store'
  | 'internal'
  | 'unauthorized'
  | 'jsonrpc_error'
  | 'task_not_found'
  | 'task_not_cancelable'
  | 'push_notification_not_supported'
  | 'unsupported_operation'
  | 'content_type_not_supported'
  | 'invalid_agent_response'
  | 'extended_card_not_configured'
  | 'extension_support_required'
  | 'version_not_supported'
  | 'unsupported_agent';

/** @internal */
export interface ErrorFields {
  kind: ErrorKind;
  message: string;
  status?: number | null;
  code?: string | null;
  codeReason?: string | null;
  retryAfterMs?: number | null;
  bodyExcerpt?: string | null;
  details?: unknown;
}

/** Base class of every error the SDK throws (user aborts excepted: those throw `signal.reason`). */
export class AgenticStarError extends Error {
  /** The stable snake_case code of what went wrong. */
  readonly kind: ErrorKind;
  /** HTTP status, when the error came from an answer. */
  readonly status: number | null;
  /** The server's error code (`invalid_client`, `401021`, `insufficient_scope`, ...). */
  readonly code: string | null;
  /** The wrapped token API's `code_reason`. */
  readonly codeReason: string | null;
  /** Milliseconds the server asked us to wait (Retry-After), or the back-off still running. */
  readonly retryAfter: number | null;
  /** A short, secret-scrubbed excerpt of the body that caused the error. */
  readonly bodyExcerpt: string | null;
  /** Protocol-specific details (JSON-RPC `data`, `resourceMetadata`, ...). */
  readonly details: unknown;

  constructor(fields: ErrorFields) {
    super(fields.message);
    this.kind = fields.kind;
    this.status = fields.status ?? null;
    this.code = fields.code ?? null;
    this.codeReason = fields.codeReason ?? null;
    this.retryAfter = fields.retryAfterMs ?? null;
    this.bodyExcerpt = fields.bodyExcerpt ?? null;
    this.details = fields.details ?? null;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Bad configuration or argument; no request was made. */
export class ConfigError extends AgenticStarError {}
/** A non-loopback endpoint was given over plain http. */
export class InsecureTransportError extends AgenticStarError {}
/** The token endpoint rejected the client id or secret. */
export class InvalidClientError extends AgenticStarError {}
/** The server says the request was malformed (`invalid_request`, `invalid_scope`, 400). */
export class InvalidRequestError extends AgenticStarError {}
/** A code or refresh token was rejected (`invalid_grant`). */
export class InvalidGrantError extends AgenticStarError {}
/** The user's session is gone: run the authorization code flow again. */
export class SignInRequiredError extends AgenticStarError {}
/** The client may not use this grant. */
export class UnauthorizedClientError extends AgenticStarError {}
/** The API rejected the bearer token even after one renewal (401). */
export class AuthenticationError extends AgenticStarError {}
/** Access refused (403). */
export class ForbiddenError extends AgenticStarError {}
/** Keycloak: no concurrent user licence available; back off (`retryAfter`). */
export class LicensesExhaustedError extends AgenticStarError {}
/** The token lacks the scope this call needs; nothing was sent. */
export class InsufficientScopeError extends AgenticStarError {}
/** 429: slow down (`retryAfter`). */
export class RateLimitedError extends AgenticStarError {}
/** 5xx from the server. */
export class ServerError extends AgenticStarError {}
/** Any other error status, with the server's `code` / `codeReason`. */
export class ApiError extends AgenticStarError {}
/** A connect, request or stream-idle time limit passed. */
export class TimeoutError extends AgenticStarError {}
/** Connection refused or reset, DNS or TLS failure. */
export class NetworkError extends AgenticStarError {}
/** A 2xx answer that is not what the protocol promises. */
export class UnexpectedResponseError extends AgenticStarError {}
/** The authorization server redirected back with `error=` (e.g. `access_denied`). */
export class AuthorizationDeniedError extends AgenticStarError {}
/** The callback's `state` is not the one sent. */
export class StateMismatchError extends AgenticStarError {}
export class IdTokenSignatureError extends AgenticStarError {}
export class IdTokenNonceError extends AgenticStarError {}
export class IdTokenAudienceError extends AgenticStarError {}
export class IdTokenIssuerError extends AgenticStarError {}
export class IdTokenExpiredError extends AgenticStarError {}
export class IdTokenInvalidError extends AgenticStarError {}
/** The stream ended (or broke) before `data: [DONE]`. */
export class StreamTruncatedError extends AgenticStarError {}
/** A stream chunk is not valid JSON of the expected shape. */
export class StreamDecodeError extends AgenticStarError {}
/** The server reported an error inside the stream. */
export class StreamError extends AgenticStarError {}
/** A stream line or event exceeded the size limit. */
export class StreamTooLargeError extends AgenticStarError {}
/** The token store failed. */
export class StoreError extends AgenticStarError {}
/** A bug in the SDK (e.g. a caught panic). */
export class InternalError extends AgenticStarError {}
/** JSON-RPC endpoint refused the bearer token after one renewal, or got none (401); `details` hold the challenge. */
export class UnauthorizedError extends AgenticStarError {}
/** The server answered with a JSON-RPC error; `code` is its code, `details` `{code, message, data}`. */
export class JsonRpcError extends AgenticStarError {}
/** Base of the A2A error codes -32001…-32009 (`details.data`: the google.rpc details). */
export class A2AError extends JsonRpcError {}
/** A2A -32001: no such task. */
export class TaskNotFoundError extends A2AError {}
/** A2A -32002: the task is in a terminal state. */
export class TaskNotCancelableError extends A2AError {}
/** A2A -32003. */
export class PushNotificationNotSupportedError extends A2AError {}
/** A2A -32004, e.g. subscribing to a finished task. */
export class UnsupportedOperationError extends A2AError {}
/** A2A -32005. */
export class ContentTypeNotSupportedError extends A2AError {}
/** A2A -32006: the agent broke the protocol (also detected client-side). */
export class InvalidAgentResponseError extends A2AError {}
/** A2A -32007. */
export class ExtendedCardNotConfiguredError extends A2AError {}
/** A2A -32008. */
export class ExtensionSupportRequiredError extends A2AError {}
/** A2A -32009. */
export class VersionNotSupportedError extends A2AError {}
/** The agent card offers no binding or security scheme this client speaks. */
export class UnsupportedAgentError extends AgenticStarError {}

const CLASSES: Record<ErrorKind, new (f: ErrorFields) => AgenticStarError> = {
  config: ConfigError,
  insecure_transport: InsecureTransportError,
  invalid_client: InvalidClientError,
  invalid_request: InvalidRequestError,
  invalid_grant: InvalidGrantError,
  sign_in_required: SignInRequiredError,
  unauthorized_client: UnauthorizedClientError,
  authentication: AuthenticationError,
  forbidden: ForbiddenError,
  licenses_exhausted: LicensesExhaustedError,
  insufficient_scope: InsufficientScopeError,
  rate_limited: RateLimitedError,
  server_error: ServerError,
  api_error: ApiError,
  timeout: TimeoutError,
  network: NetworkError,
  unexpected_response: UnexpectedResponseError,
  authorization_denied: AuthorizationDeniedError,
  state_mismatch: StateMismatchError,
  id_token_signature: IdTokenSignatureError,
  id_token_nonce: IdTokenNonceError,
  id_token_audience: IdTokenAudienceError,
  id_token_issuer: IdTokenIssuerError,
  id_token_expired: IdTokenExpiredError,
  id_token_invalid: IdTokenInvalidError,
  stream_truncated: StreamTruncatedError,
  stream_decode: StreamDecodeError,
  stream_error: StreamError,
  stream_too_large: StreamTooLargeError,
  store: StoreError,
  internal: InternalError,
  unauthorized: UnauthorizedError,
  jsonrpc_error: JsonRpcError,
  task_not_found: TaskNotFoundError,
  task_not_cancelable: TaskNotCancelableError,
  push_notification_not_supported: PushNotificationNotSupportedError,
  unsupported_operation: UnsupportedOperationError,
  content_type_not_supported: ContentTypeNotSupportedError,
  invalid_agent_response: InvalidAgentResponseError,
  extended_card_not_configured: ExtendedCardNotConfiguredError,
  extension_support_required: ExtensionSupportRequiredError,
  version_not_supported: VersionNotSupportedError,
  unsupported_agent: UnsupportedAgentError,
};

/** The error class for each kind (for tests and exhaustive handling). */
export const errorClasses: Readonly<Record<ErrorKind, new (f: ErrorFields) => AgenticStarError>> = CLASSES;
