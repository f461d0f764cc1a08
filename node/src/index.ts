/**
 * agenticstar: OAuth 2.0 / OIDC tokens for every AGENTIC STAR provider and streamed chat, on the
 * SDK's Rust core.
 *
 * ```ts
 * import { Client } from 'agenticstar';
 * const client = new Client({ provider: { type: 'agenticstar', authUrl }, clientId, clientSecret, apiUrl });
 * for await (const chunk of client.chat.stream({ messages: [{ role: 'user', content: 'Hi' }] })) {
 *   process.stdout.write(chunk.choices[0]?.delta.content ?? '');
 * }
 * ```
 */
export { Chat, Client } from './client.js';
export { ChatStream } from './stream.js';
export * from './a2a.js';
export * from './mcp.js';
export * from './token_events.js';
export { consoleLogger, setLogger, type LogLevel, type LogRecord, type Logger } from './log.js';
export {
  EchoService,
  JsonStream,
  Service,
  ServiceBase,
  camelCase,
  methodTableMismatch,
  registerWrapper,
  wrappers,
  type CallOptions,
  type EchoFailure,
  type MethodSpec,
  type RawResult,
  type ServiceClass,
  type WithRawResponse,
} from './service.js';
import * as native from '../native/index.js';
/** Every service kind `client.service()` opens. */
export const serviceKinds: readonly string[] = native.serviceKinds();
export { RawResponse, Token } from './token.js';
export { ResponseMeta } from './response.js';
export * from './errors.js';
export type {
  AuthorizationRequest,
  AuthorizeOptions,
  ChatChunk,
  ChatChunkChoice,
  ChatCompletion,
  ChatCompletionChoice,
  ChatCompletionChunk,
  ChatCompletionContentPart,
  ChatCompletionCreateParams,
  ChatCompletionMessageParam,
  ChatCompletionMessageToolCall,
  ChatCompletionTool,
  ChatRequest,
  CompletionUsage,
  ClientOptions,
  ContentPart,
  Delta,
  IdClaims,
  Message,
  ProviderConfig,
  RedisStoreOptions,
  RequestOptions,
  RequestOverrides,
  SignIn,
  StoredToken,
  StreamOptions,
  TokenStore,
  ToolCall,
  ToolCallDelta,
  Usage,
} from './types.js';
