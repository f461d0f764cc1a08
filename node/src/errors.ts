/**
 * Typed errors. The native module rejects with `{kind, message, status, ...}` as JSON in the
 * error message (napi errors carry only a string); `call.ts` rebuilds the class from it.
 * Messages come from the core, which scrubs secrets before it makes them.
 */
import { toHeaders } from './response.js';

/**
 * The stable error codes, the same in every language of the SDK (core's `ErrorKind`; the suite
 * fails when core has one this list lacks).
 */
export type ErrorKind =
  | 'config'
  | 'insecure_transport'
  | 'invalid_client'
  | 'invalid_request'
  | 'invalid_grant'
  | 'sign_in_required'
  | 'unauthorized_client'
  | 'authentication'
  | 'unauthorized'
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
  | 'jsonrpc_error'
  | 'internal'
  | 'task_not_found'
  | 'task_not_cancelable'
  | 'push_notification_not_supported'
  | 'unsupported_operation'
  | 'content_type_not_supported'
  | 'invalid_agent_response'
  | 'extended_card_not_configured'
  | 'extension_support_required'
  | 'version_not_supported'
  | 'unsupported_agent'
  | 'redirect'
  | 'callback_issuer_mismatch'
  | 'callback_issuer_missing'
  | 'callback_invalid'
  | 'discovery_issuer_mismatch'
  | 'id_token_not_yet_valid'
  | 'id_token_azp'
  | 'id_token_key'
  | 'device_code_expired';

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
  requestId?: string | null;
  headers?: Record<string, string> | null;
  wwwAuthenticate?: string | null;
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
  /** The server's id of the failed request (`x-request-id`, ...), to quote to support. */
  readonly requestId: string | null;
  /** The answer's headers (names lower-case; values that may be secrets are `***`); empty without an answer. */
  readonly headers: Headers;
  /** The answer's `WWW-Authenticate` challenge (401 / 403), if any. */
  readonly wwwAuthenticate: string | null;

  constructor(fields: ErrorFields) {
    super(fields.message);
    this.kind = fields.kind;
    this.status = fields.status ?? null;
    this.code = fields.code ?? null;
    this.codeReason = fields.codeReason ?? null;
    this.retryAfter = fields.retryAfterMs ?? null;
    this.bodyExcerpt = fields.bodyExcerpt ?? null;
    this.details = fields.details ?? null;
    this.requestId = fields.requestId ?? null;
    this.headers = toHeaders(fields.headers);
    this.wwwAuthenticate = fields.wwwAuthenticate ?? null;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

/** Bad configuration or argument; no request was made. */
export class ConfigError extends AgenticStarError {}
/** A non-loopback endpoint was given over plain http. */
export class InsecureTransportError extends ConfigError {}
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
/** A protocol endpoint (MCP, A2A) refused the bearer token (401); `details` hold its challenge. */
export class UnauthorizedError extends AuthenticationError {}
/** Access refused (403). */
export class ForbiddenError extends AgenticStarError {}
/** Keycloak: no concurrent user licence available; back off (`retryAfter`). */
export class LicensesExhaustedError extends ForbiddenError {}
/** The token lacks the scope this call needs; nothing was sent. */
export class InsufficientScopeError extends ForbiddenError {}
/** 429: slow down (`retryAfter`, in ms). */
export class RateLimitError extends AgenticStarError {}
/** Any other error status, with the server's `code` / `codeReason`. */
export class APIError extends AgenticStarError {}
/** 5xx from the server. */
export class ServerError extends APIError {}
/** Connection refused or reset, DNS or TLS failure. */
export class NetworkError extends AgenticStarError {}
/** A connect, request or stream-idle time limit passed. */
export class APITimeoutError extends NetworkError {}
/** A 2xx answer that is not what the protocol promises. */
export class UnexpectedResponseError extends AgenticStarError {}
/** The authorization server redirected back with `error=` (e.g. `access_denied`). */
export class AuthorizationDeniedError extends AgenticStarError {}
/** The callback's `state` is not the one sent. */
export class StateMismatchError extends AgenticStarError {}
/** The id_token is missing or malformed (base of the other id_token errors). */
export class IdTokenError extends AgenticStarError {}
export class IdTokenSignatureError extends IdTokenError {}
export class IdTokenNonceError extends IdTokenError {}
export class IdTokenAudienceError extends IdTokenError {}
export class IdTokenIssuerError extends IdTokenError {}
export class IdTokenExpiredError extends IdTokenError {}
/** A 3xx answer: redirects are never followed; the message names the `Location`. */
export class RedirectError extends AgenticStarError {}
/** The callback's RFC 9207 `iss` names another issuer (a mix-up attack). */
export class CallbackIssuerMismatchError extends AgenticStarError {}
/** The callback has no `iss` although the server says it always sends one. */
export class CallbackIssuerMissingError extends AgenticStarError {}
/** The callback is malformed (a repeated parameter, another origin or path). */
export class CallbackInvalidError extends AgenticStarError {}
/** The discovery document's `issuer` is not the configured issuer. */
export class DiscoveryIssuerMismatchError extends AgenticStarError {}
/** The id_token's `nbf` or `iat` lies in the future. */
export class IdTokenNotYetValidError extends IdTokenError {}
/** Several audiences without `azp`, or an `azp` naming another client. */
export class IdTokenAzpError extends IdTokenError {}
/** The JWKS key may not verify this id_token (`use`, `key_ops` or `alg`). */
export class IdTokenKeyError extends IdTokenError {}
/** A device sign-in (RFC 8628) was not approved before its code expired. */
export class DeviceCodeExpiredError extends AgenticStarError {}
/** The server reported an error inside the stream (base of the other stream errors). */
export class StreamError extends AgenticStarError {}
/** The stream ended (or broke) before `data: [DONE]`. */
export class StreamTruncatedError extends StreamError {}
/** A stream chunk is not valid JSON of the expected shape. */
export class StreamDecodeError extends StreamError {}
/** A stream line or event exceeded the size limit. */
export class StreamTooLargeError extends StreamError {}
/** The token store failed. */
export class StoreError extends AgenticStarError {}
/** A JSON-RPC error answer; `code` is its code, `details` `{code, message, data}`. */
export class JsonRpcError extends AgenticStarError {}
/** A2A -32001: no such task. */
export class TaskNotFoundError extends JsonRpcError {}
/** A2A -32002: the task is terminal and cannot be canceled. */
export class TaskNotCancelableError extends JsonRpcError {}
/** A2A -32003. */
export class PushNotificationNotSupportedError extends JsonRpcError {}
/** A2A -32004. */
export class UnsupportedOperationError extends JsonRpcError {}
/** A2A -32005. */
export class ContentTypeNotSupportedError extends JsonRpcError {}
/** A2A -32006: the agent's answer breaks the protocol. */
export class InvalidAgentResponseError extends JsonRpcError {}
/** A2A -32007. */
export class ExtendedCardNotConfiguredError extends JsonRpcError {}
/** A2A -32008. */
export class ExtensionSupportRequiredError extends JsonRpcError {}
/** A2A -32009. */
export class VersionNotSupportedError extends JsonRpcError {}
/** The agent card offers no interface or security scheme this client speaks. */
export class UnsupportedAgentError extends AgenticStarError {}
/** A bug in the SDK (e.g. a caught panic). */
export class InternalError extends AgenticStarError {}

const CLASSES: Record<ErrorKind, new (f: ErrorFields) => AgenticStarError> = {
  config: ConfigError,
  insecure_transport: InsecureTransportError,
  invalid_client: InvalidClientError,
  invalid_request: InvalidRequestError,
  invalid_grant: InvalidGrantError,
  sign_in_required: SignInRequiredError,
  unauthorized_client: UnauthorizedClientError,
  authentication: AuthenticationError,
  unauthorized: UnauthorizedError,
  forbidden: ForbiddenError,
  licenses_exhausted: LicensesExhaustedError,
  insufficient_scope: InsufficientScopeError,
  rate_limited: RateLimitError,
  api_error: APIError,
  server_error: ServerError,
  network: NetworkError,
  timeout: APITimeoutError,
  unexpected_response: UnexpectedResponseError,
  authorization_denied: AuthorizationDeniedError,
  state_mismatch: StateMismatchError,
  id_token_invalid: IdTokenError,
  id_token_signature: IdTokenSignatureError,
  id_token_nonce: IdTokenNonceError,
  id_token_audience: IdTokenAudienceError,
  id_token_issuer: IdTokenIssuerError,
  id_token_expired: IdTokenExpiredError,
  stream_error: StreamError,
  stream_truncated: StreamTruncatedError,
  stream_decode: StreamDecodeError,
  stream_too_large: StreamTooLargeError,
  store: StoreError,
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
  internal: InternalError,
  redirect: RedirectError,
  callback_issuer_mismatch: CallbackIssuerMismatchError,
  callback_issuer_missing: CallbackIssuerMissingError,
  callback_invalid: CallbackInvalidError,
  discovery_issuer_mismatch: DiscoveryIssuerMismatchError,
  id_token_not_yet_valid: IdTokenNotYetValidError,
  id_token_azp: IdTokenAzpError,
  id_token_key: IdTokenKeyError,
  device_code_expired: DeviceCodeExpiredError,
};

/** The error class for each kind (for tests and exhaustive handling). */
export const errorClasses: Readonly<Record<ErrorKind, new (f: ErrorFields) => AgenticStarError>> = CLASSES;

/** The typed error for the core's error details (how errors cross, and how error events arrive). */
export function errorFromFields(f: ErrorFields): AgenticStarError {
  const cls = (CLASSES as Partial<Record<string, new (f: ErrorFields) => AgenticStarError>>)[f.kind] ?? AgenticStarError;
  return new cls(f);
}
