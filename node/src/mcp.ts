/**
 * MCP (Model Context Protocol, Streamable HTTP): the core's `mcp` service under TypeScript names.
 *
 * Era detection, `_meta` and routing headers, sessions and re-initialize, stream resumption,
 * paging, token renewal and typed errors all happen in the Rust core; this class only names its
 * methods. Results are the protocol's JSON (camelCase keys).
 *
 * ```ts
 * const mcp = await McpClient.connect(client, 'https://agent.example.com/mcp');
 * for await (const item of mcp.callToolStream('add', { a: 2, b: 3 }, { signal })) {
 *   if (item.type === 'progress') console.log(item.progress, item.total);
 *   else console.log(item.result.structuredContent);
 * }
 * ```
 */
import type { Client } from './client.js';
import { type CallOptions, type JsonStream, ServiceBase, registerWrapper } from './service.js';

export interface McpOptions {
  /** `'current'` (2026-07-28, stateless) or `'legacy'` (initialize + sessions); default: detect. */
  era?: 'current' | 'legacy';
  /** Scopes the endpoint needs (default `['mcp:all']`). */
  scopes?: string[];
  /** RFC 8707 resource to ask tokens for (default: the URL). */
  resource?: string;
  /** Send a resource indicator at all (default true). */
  sendResource?: boolean;
  /** Send the bearer token (default true). */
  bearer?: boolean;
  /** Ask for a token of its own with these scopes (client credentials only). */
  tokenScope?: string;
  /** Extra headers on every request. */
  headers?: Record<string, string>;
  clientName?: string;
  clientVersion?: string;
  /** The handshake version offered in the legacy era (default `2025-11-25`). */
  legacyVersion?: string;
}

export interface ServerInfo {
  era: 'current' | 'legacy';
  protocolVersion: string;
  serverInfo: Record<string, unknown> | null;
  capabilities: Record<string, unknown> | null;
  instructions?: string;
  supportedVersions?: string[];
}

export interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: Record<string, unknown>;
  outputSchema?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface ResourceContents {
  uri: string;
  mimeType?: string;
  text?: string;
  blob?: string;
  [key: string]: unknown;
}

/** One content block of a tool result or prompt message. */
export type Content =
  | { type: 'text'; text: string; [key: string]: unknown }
  | { type: 'image' | 'audio'; data: string; mimeType: string; [key: string]: unknown }
  | { type: 'resource_link'; uri: string; name: string; [key: string]: unknown }
  | { type: 'resource'; resource: ResourceContents; [key: string]: unknown };

export interface CallToolResult {
  content: Content[];
  structuredContent?: unknown;
  isError?: boolean;
  [key: string]: unknown;
}

export interface Resource {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  [key: string]: unknown;
}

export interface ResourceTemplate {
  uriTemplate: string;
  name: string;
  description?: string;
  mimeType?: string;
  [key: string]: unknown;
}

export interface ReadResourceResult {
  contents: ResourceContents[];
  [key: string]: unknown;
}

export interface Prompt {
  name: string;
  title?: string;
  description?: string;
  arguments?: { name: string; description?: string; required?: boolean }[];
  [key: string]: unknown;
}

export interface GetPromptResult {
  description?: string;
  messages: { role: string; content: Content }[];
  [key: string]: unknown;
}

/** A result the server cannot finish without input: pass it to `answer()`. */
export interface InputRequired {
  resultType: 'input_required';
  inputRequests: Record<string, unknown>;
  requestState?: string;
  method: string;
  params: unknown;
}

export interface Progress {
  type: 'progress';
  progress: number;
  total?: number;
  message?: string;
}

/** Items of `callToolStream` / `answerStream`: progress, then the result. */
export type CallItem<R> = Progress | { type: 'result'; result: R | InputRequired };

export interface Notification {
  type: 'notification';
  method: string;
  params: Record<string, unknown>;
}

/** `{type:'ref/prompt', name}` or `{type:'ref/resource', uri}`. */
export type CompletionRef = { type: 'ref/prompt'; name: string } | { type: 'ref/resource'; uri: string };

/**
 * An MCP server. `close()` ends a legacy session (DELETE). Aborting a call's signal (or leaving a
 * stream's loop) drops it and closes its connection; legacy servers also get `notifications/cancelled`.
 */
export class McpClient extends ServiceBase {
  static override readonly KIND = 'mcp';
  static override readonly METHODS = [
    'server',
    'session_id',
    'list_tools',
    'call_tool',
    'call_tool_stream',
    'answer',
    'answer_stream',
    'list_resources',
    'list_resource_templates',
    'read_resource',
    'list_prompts',
    'get_prompt',
    'complete',
    'ping',
    'send_request',
    'notifications',
    'start_recording',
    'recording',
  ] as const;

  /** Connect to the endpoint `url`, detecting the era (or forcing `options.era`). */
  static connect(client: Client, url: string, options: McpOptions = {}): Promise<McpClient> {
    return client.service('mcp', { url, ...options }, McpClient);
  }

  server(options?: CallOptions): Promise<ServerInfo> {
    return this._call('server', {}, options);
  }
  /** The legacy `Mcp-Session-Id`, if the server set one. */
  sessionId(options?: CallOptions): Promise<string | null> {
    return this._call('session_id', {}, options);
  }
  /** Every tool (all pages). */
  listTools(options?: CallOptions): Promise<Tool[]> {
    return this._call('list_tools', {}, options);
  }
  callTool(name: string, args: Record<string, unknown> = {}, options?: CallOptions): Promise<CallToolResult | InputRequired> {
    return this._call('call_tool', { name, arguments: args }, options);
  }
  /** `callTool` with its progress: progress items, then `{type:'result', result}`. */
  callToolStream(name: string, args: Record<string, unknown> = {}, options?: CallOptions): JsonStream<CallItem<CallToolResult>> {
    return this._open('call_tool_stream', { name, arguments: args }, options);
  }
  /** Answer an input_required result (`responses` keyed like its `inputRequests`). */
  answer(input: InputRequired, responses: Record<string, unknown> = {}, options?: CallOptions): Promise<unknown> {
    return this._call('answer', { input, responses }, options);
  }
  answerStream(input: InputRequired, responses: Record<string, unknown> = {}, options?: CallOptions): JsonStream<CallItem<unknown>> {
    return this._open('answer_stream', { input, responses }, options);
  }
  listResources(options?: CallOptions): Promise<Resource[]> {
    return this._call('list_resources', {}, options);
  }
  listResourceTemplates(options?: CallOptions): Promise<ResourceTemplate[]> {
    return this._call('list_resource_templates', {}, options);
  }
  readResource(uri: string, options?: CallOptions): Promise<ReadResourceResult | InputRequired> {
    return this._call('read_resource', { uri }, options);
  }
  listPrompts(options?: CallOptions): Promise<Prompt[]> {
    return this._call('list_prompts', {}, options);
  }
  getPrompt(name: string, args: Record<string, string> = {}, options?: CallOptions): Promise<GetPromptResult | InputRequired> {
    return this._call('get_prompt', { name, arguments: args }, options);
  }
  /** `completion/complete`: `{values, total?, hasMore?}`. */
  complete(
    ref: CompletionRef,
    argument: string,
    value: string,
    context?: Record<string, unknown>,
    options?: CallOptions,
  ): Promise<{ values: string[]; total?: number; hasMore?: boolean }> {
    return this._call('complete', { ref, argument: { name: argument, value }, context }, options);
  }
  async ping(options?: CallOptions): Promise<void> {
    await this._call('ping', {}, options);
  }
  /** Any other request of the server, as JSON. */
  sendRequest<R = unknown>(method: string, params: object = {}, options?: CallOptions): Promise<R> {
    return this._call('send_request', { jsonrpcMethod: method, params }, options);
  }
  /** Change notifications until the stream is closed (current: `subscriptions/listen`; legacy: the GET stream). */
  notifications(resourceSubscriptions: string[] = [], options?: CallOptions): JsonStream<Notification> {
    return this._open('notifications', { resourceSubscriptions }, options);
  }
  /** Record every message from now on (see `recording()`). */
  async startRecording(options?: CallOptions): Promise<void> {
    await this._call('start_recording', {}, options);
  }
  /** The requests sent and messages received since `startRecording()`. */
  recording(options?: CallOptions): Promise<unknown[]> {
    return this._call('recording', {}, options);
  }
}
registerWrapper(McpClient);
