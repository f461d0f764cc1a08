/** Public option and data types. Chat payloads keep the OpenAI wire shape (snake_case), as openai-node does. */
import type { ResponseMeta } from './response.js';
import type { Token } from './token.js';

/** Where tokens come from. */
export type ProviderConfig =
  /** AGENTIC STAR SaaS (`{authUrl}/federation/auth/v1/...`, OIDC discovery under it). */
  | { type: 'agenticstar'; authUrl: string }
  /** AGENTIC STAR Marketplace (`{baseUrl}/api/v1/auth/external-service-token`). */
  | { type: 'marketplace'; baseUrl: string }
  /** Eggplant DAI, Keycloak realm `realm` under `{baseUrl}/auth/realms/`. */
  | { type: 'keycloak'; baseUrl: string; realm: string }
  /** The wrapped token API (`{apiUrl}/auth/token`). */
  | { type: 'wrapped'; apiUrl: string }
  /** Any OIDC server, endpoints found by discovery at `{issuer}/.well-known/openid-configuration`. */
  | { type: 'oidc'; issuer: string }
  /** Any OAuth 2.0 server with endpoints given directly. */
  | { type: 'oauth'; tokenUrl: string; authorizeUrl?: string };

/**
 * The options of `new Client()`: the core's ClientOptions, camelCase, durations in milliseconds.
 * The defaults below are the core's (a test compares them with `clientOptionDefaults()`).
 */
/**
 * Every option may be left out where an `AGENTICSTAR_*` environment variable gives it (the CLI's
 * names): `AGENTICSTAR_PROVIDER` + `AGENTICSTAR_AUTH_URL` (+ `AGENTICSTAR_REALM`) for `provider`,
 * `AGENTICSTAR_CLIENT_ID`, `AGENTICSTAR_CLIENT_SECRET` (only with its own client id),
 * `AGENTICSTAR_SCOPE`, `AGENTICSTAR_API_URL`, `AGENTICSTAR_TOKEN_FILE` (`tokenStore`). Explicit
 * options win.
 */
export interface ClientOptions {
  /** The token service (default: from `AGENTICSTAR_PROVIDER` / `AGENTICSTAR_AUTH_URL`). */
  provider?: ProviderConfig;
  /** The application's id (default: `AGENTICSTAR_CLIENT_ID`). */
  clientId?: string;
  /** The application's secret; omit it for a public client (native apps: PKCE, `authMethod: 'none'`). */
  clientSecret?: string;
  /** How the secret is sent (default `client_secret_post` with a secret, `none` without). */
  authMethod?: 'client_secret_post' | 'client_secret_basic' | 'none';
  /** Scope to request with client credentials (space separated). */
  scope?: string;
  /** Base URL of the agent API. Default: the provider's host for Marketplace and wrapped. */
  apiUrl?: string;
  /**
   * `client_credentials` (default, server-to-server) or `authorization_code` (a signed-in user:
   * without a valid refresh token, calls fail with `SignInRequiredError`).
   */
  flow?: 'client_credentials' | 'authorization_code';
  /**
   * Where tokens persist (default: in memory): your own store object, a file path (`file:PATH`),
   * a `redis://` / `rediss://` URL, or `{ url, ...storeOptions }` — shared safely by processes.
   */
  tokenStore?: TokenStore | string | RedisStoreOptions;
  /** Make a failed token store save an error for the caller (default false: reported, not thrown). */
  strictStore?: boolean;
  /** Key under which this session's tokens are stored (default: derived from provider, client and flow). */
  storeKey?: string;
  /** Told of every new token, after it was saved. Exceptions are reported as process warnings. */
  onToken?: (token: Token) => void;
  /** Refuse calls the token's scopes do not cover (default: on for AGENTIC STAR SaaS). */
  enforceScopes?: boolean;
  /** Renew tokens this long before expiry, in ms (default 300000; never more than half a token's life). */
  refreshWindow?: number;
  /** The hard edge before expiry where callers wait for the renewal, in ms (default 10000). */
  expirySkew?: number;
  /** Whole-request time limit for token and non-streaming calls, in ms (default 30000). */
  timeout?: number;
  /** TCP + TLS connect time limit, in ms (default 10000). */
  connectTimeout?: number;
  /** Longest silence allowed inside a stream, in ms (default 120000). */
  streamIdleTimeout?: number;
  /** Limit on a whole stream, in ms (default: none). */
  streamTimeout?: number;
  /** Retries of transient failures (5xx, 429, network) after the first attempt (default 3). */
  maxRetries?: number;
  /** The first back-off pause, in ms (default 200; doubling, equal jitter: each pause is 50–100% of its step). */
  initialBackoff?: number;
  /** The longest back-off pause, in ms (default 10000). */
  maxBackoff?: number;
  /** A longer Retry-After is not waited out but thrown with the error, in ms (default 30000). */
  maxRetryAfter?: number;
  /** The longest SSE line accepted, in bytes (default 1048576). */
  maxLineBytes?: number;
  /** The largest SSE event accepted, in bytes (default 8388608). */
  maxEventBytes?: number;
  /** Clock skew allowed on id_token times, in ms (default 60000). */
  idTokenLeeway?: number;
  /** Keep the streamed reply's text for `text()` / `completion()` (default true; off: constant memory). */
  accumulate?: boolean;
  /** The most reply text a stream keeps while accumulating, in bytes (default 67108864). */
  maxReplyBytes?: number;
  /** User-Agent header (default `agenticstar-node/<version>`). */
  userAgent?: string;
  /** Proxy URL; otherwise HTTP(S)_PROXY / NO_PROXY apply. */
  proxy?: string;
  /** Extra trusted root certificates (PEM). */
  caCerts?: string | string[];
  /** Allow plain http to non-loopback hosts (closed test networks only). */
  allowInsecureHttp?: boolean;
  /** The header naming the server's request id, tried before `x-request-id` and `request-id`. */
  requestIdHeader?: string;
}

type Awaitable<T> = T | PromiseLike<T>;

/** A Redis token store (the core's `tokenStore` object; see the README). */
export interface RedisStoreOptions {
  /** `redis://[user:password@]host:port/db` or `rediss://...` (TLS). */
  url: string;
  /** Prefix of every key (default `agenticstar:`). */
  keyPrefix?: string;
  tls?: boolean;
  username?: string;
  password?: string;
  /** Base64 of a 32-byte key: tokens are encrypted at rest (XChaCha20-Poly1305). */
  encryptionKey?: string;
  /** How long a renewal lease lasts before another process may take over, in ms. */
  leaseMs?: number;
  /** Limit on each Redis operation, in ms. */
  timeoutMs?: number;
  /** Longest TTL of a stored token, in seconds. */
  maxTtlSecs?: number;
  /** A failed save is an error for the caller. */
  strict?: boolean;
}

/** Persistence for tokens (a database, a secrets manager, a file...). Methods may be sync or async. */
export interface TokenStore {
  load(key: string): Awaitable<StoredToken | null | undefined>;
  save(key: string, token: StoredToken): Awaitable<void>;
  /** Called by `client.signOut()`. */
  clear?(key: string): Awaitable<void>;
}

/** A token as persisted (the same fields as the other SDKs' stores). Times are Unix seconds. */
export interface StoredToken {
  accessToken: string;
  tokenType?: string;
  scope?: string;
  expiresAt?: number;
  lifetimeSecs?: number;
  refreshToken?: string;
  refreshExpiresAt?: number;
  idToken?: string;
}

export interface AuthorizeOptions {
  /** Where the browser comes back to (registered with the provider). */
  redirectUri: string;
  /** Space-separated scopes; default: the client's registered scopes. Include `openid` for an id_token. */
  scope?: string;
  /** Login screen language(s), e.g. `'en'` or `'ja en'`. */
  uiLocales?: string;
  /** PKCE S256 (default true). */
  pkce?: boolean;
  /** Further query parameters (`prompt`, `login_hint`, ...). */
  extra?: Record<string, string>;
}

/**
 * A started sign-in: send the user to `url`, and keep the whole object (it holds the state,
 * nonce and PKCE verifier, which are secrets) until the callback arrives.
 */
export interface AuthorizationRequest {
  url: string;
  redirectUri: string;
  state: string;
  nonce: string;
  codeVerifier?: string;
  expectsIdToken?: boolean;
  /** The issuer the callback's RFC 9207 `iss` must name (from discovery). */
  issuer?: string;
  /** The server always sends `iss`: a callback without it is refused. */
  issRequired?: boolean;
}

/** Claims of a validated id_token. */
export interface IdClaims {
  iss: string;
  sub: string;
  exp: number;
  nonce?: string;
  name?: string;
  email?: string;
  [claim: string]: unknown;
}

export interface SignIn {
  token: Token;
  /** Present when an id_token was issued (and validated). */
  idClaims: IdClaims | null;
}

/** One part of an array `content` (the wire's shapes). */
export type ContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'refusal'; refusal: string };

/** A tool call an assistant made, sent back in the conversation. */
export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

/** One chat message in the wire's shape; the core checks it (e.g. a `tool` message needs `tool_call_id`). */
export interface Message {
  role: 'system' | 'developer' | 'user' | 'assistant' | 'tool';
  /** Required except on an assistant message with `tool_calls`. */
  content?: string | ContentPart[] | null;
  name?: string;
  tool_calls?: ToolCall[];
  tool_call_id?: string;
  [field: string]: unknown;
}

/** A tool the model may call (a function with a JSON Schema for its arguments). */
export interface ChatCompletionTool {
  type: 'function';
  function: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean | null };
}

/**
 * An OpenAI-style chat request, with the common parameters typed: a misspelled field
 * (`temprature`) is a compile error. A field not listed here goes in the call's `extraBody`
 * option (`client.chat.create(req, { extraBody: { … } })`).
 */
export interface ChatRequest {
  messages: Message[];
  /** Default: `'AGENTIC STAR'`. */
  model?: string;
  stream_options?: { include_usage?: boolean } | null;
  temperature?: number | null;
  top_p?: number | null;
  max_tokens?: number | null;
  max_completion_tokens?: number | null;
  stop?: string | string[] | null;
  n?: number | null;
  seed?: number | null;
  presence_penalty?: number | null;
  frequency_penalty?: number | null;
  logit_bias?: Record<string, number> | null;
  logprobs?: boolean | null;
  top_logprobs?: number | null;
  user?: string;
  metadata?: Record<string, string> | null;
  tools?: ChatCompletionTool[];
  tool_choice?: 'none' | 'auto' | 'required' | { type: 'function'; function: { name: string } };
  parallel_tool_calls?: boolean;
  response_format?:
    | { type: 'text' }
    | { type: 'json_object' }
    | { type: 'json_schema'; json_schema: { name: string; description?: string; schema?: Record<string, unknown>; strict?: boolean | null } };
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: string;
  function?: { name?: string; arguments?: string };
}

export interface Delta {
  role?: string;
  content?: string;
  tool_calls?: ToolCallDelta[];
}

export interface ChatChunkChoice {
  index: number;
  delta: Delta;
  finish_reason: string | null;
}

/** One `data:` event of the stream. */
export interface ChatChunk {
  id: string | null;
  model: string | null;
  created: number | null;
  choices: ChatChunkChoice[];
  usage: Usage | null;
}

export interface ChatCompletionChoice {
  index: number;
  message: { role: string; content: string | null; tool_calls?: unknown };
  finish_reason: string | null;
}

/** A whole reply (`chat.create`, or a stream's accumulation). */
export interface ChatCompletion {
  id: string | null;
  model: string | null;
  created: number | null;
  choices: ChatCompletionChoice[];
  usage: Usage | null;
  /**
   * Status, headers and request id of the answer (not enumerable: `JSON.stringify` leaves it
   * out). Absent on a stream's accumulation before its answer arrived.
   */
  readonly response?: ResponseMeta;
}

/**
 * Options of one call, over the client's defaults (`client.withOptions()` makes them a client's
 * defaults). Validated by the core: a bad value is a `ConfigError`.
 */
export interface RequestOverrides {
  /** Milliseconds for this call (non-streamed: the whole answer; a stream: its response headers). */
  timeout?: number;
  /** Retries of this call on 5xx, 429 and connection failures (0: one attempt). */
  maxRetries?: number;
  /** Extra headers (`Authorization` is the client's own). */
  headers?: Record<string, string>;
  /** Extra query parameters. */
  query?: Record<string, string | number | boolean>;
  /** Fields merged into the JSON body's top level. */
  extraBody?: Record<string, unknown>;
}

export interface RequestOptions extends RequestOverrides {
  /** Aborting rejects with `signal.reason` and closes the connection. */
  signal?: AbortSignal;
}

export interface StreamOptions extends RequestOverrides {
  /** Aborting ends the stream quietly and closes the connection at once. */
  signal?: AbortSignal;
  /** Called for each chunk as it is read: the first choice's text (may be '') and the chunk. */
  onDelta?: (delta: string, chunk: ChatChunk) => void;
}

// openai-node's names for the same shapes, for code moving over from the `openai` package.
/** openai-node's name for {@link ChatChunk}. */
export type ChatCompletionChunk = ChatChunk;
/** openai-node's name for {@link ChatRequest}. */
export type ChatCompletionCreateParams = ChatRequest;
/** openai-node's name for {@link Message}. */
export type ChatCompletionMessageParam = Message;
/** openai-node's name for {@link ContentPart}. */
export type ChatCompletionContentPart = ContentPart;
/** openai-node's name for {@link ToolCall}. */
export type ChatCompletionMessageToolCall = ToolCall;
/** openai-node's name for {@link Usage}. */
export type CompletionUsage = Usage;
