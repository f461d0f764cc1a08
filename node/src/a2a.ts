/**
 * A2A (Agent2Agent v1.0): the core's `a2a` service under TypeScript names.
 *
 * Card reading, interface choice, scope checks, JSON-RPC, token renewal, typed errors and stream
 * ends all happen in the Rust core; this class only names its methods. Objects are the protocol's
 * JSON (camelCase keys, `TASK_STATE_*` enums).
 *
 * ```ts
 * const agent = await A2aClient.fromCard(client, 'https://agent.example.com');
 * for await (const event of agent.sendStreamingMessage({ text: 'hello' }, { signal })) { ... }
 * ```
 */
import type { Client } from './client.js';
import { type CallOptions, type JsonStream, ServiceBase, registerWrapper } from './service.js';

/** `TASK_STATE_SUBMITTED`, `TASK_STATE_WORKING`, `TASK_STATE_COMPLETED`, ... */
export type TaskState = string;

export interface Part {
  text?: string;
  raw?: string;
  url?: string;
  data?: unknown;
  metadata?: Record<string, unknown>;
  filename?: string;
  mediaType?: string;
}

export interface A2aMessage {
  messageId: string;
  role: 'ROLE_USER' | 'ROLE_AGENT' | 'ROLE_UNSPECIFIED';
  parts: Part[];
  contextId?: string;
  taskId?: string;
  metadata?: Record<string, unknown>;
  extensions?: string[];
  referenceTaskIds?: string[];
}

export interface TaskStatus {
  state: TaskState;
  message?: A2aMessage;
  timestamp?: string;
}

export interface Artifact {
  artifactId: string;
  name?: string;
  description?: string;
  parts: Part[];
  metadata?: Record<string, unknown>;
}

export interface Task {
  id: string;
  contextId: string;
  status: TaskStatus;
  artifacts?: Artifact[];
  history?: A2aMessage[];
  metadata?: Record<string, unknown>;
}

export interface TaskStatusUpdateEvent {
  taskId: string;
  contextId: string;
  status: TaskStatus;
}

export interface TaskArtifactUpdateEvent {
  taskId: string;
  contextId: string;
  artifact: Artifact;
  append?: boolean;
  lastChunk?: boolean;
}

/** One item of a stream: exactly one key is set. */
export type StreamEvent =
  | { task: Task }
  | { message: A2aMessage }
  | { statusUpdate: TaskStatusUpdateEvent }
  | { artifactUpdate: TaskArtifactUpdateEvent };

/** A message as `text` (a user message with one text part) or a whole `message`. */
export interface SendArgs {
  text?: string;
  message?: A2aMessage;
  contextId?: string;
  taskId?: string;
  messageId?: string;
  configuration?: Record<string, unknown>;
}

export interface A2aOptions {
  /** Send the client's bearer token (default true). */
  bearer?: boolean;
  /** Ask for a token with these scopes for this agent alone (client credentials only). */
  tokenScope?: string;
  /** A2A extension URIs this client supports (`A2A-Extensions`). */
  extensions?: string[];
  /** Keep the JSON-RPC messages for `recording()`. */
  record?: boolean;
}

export interface ListTasksFilter {
  contextId?: string;
  status?: TaskState;
  pageSize?: number;
  historyLength?: number;
  statusTimestampAfter?: string;
  includeArtifacts?: boolean;
}

export interface CardInfo {
  card: Record<string, unknown> & { name: string };
  cardUrl: string;
  interface: { url: string; protocolBinding: string; protocolVersion?: string; tenant?: string };
  requirement: { schemes: string[]; scopes: string[] } | null;
}

/** An A2A agent. Streams end after the event that puts the task in a terminal or input/auth-required state. */
export class A2aClient extends ServiceBase {
  static override readonly KIND = 'a2a';
  static override readonly METHODS = [
    'card',
    'send_message',
    'send_streaming_message',
    'get_task',
    'list_tasks',
    'cancel_task',
    'subscribe_to_task',
    'extended_card',
    'rpc',
    'assemble',
    'recording',
  ] as const;

  /** Read the agent card at `url` (or `url/.well-known/agent-card.json`) and connect. */
  static fromCard(client: Client, url: string, options: A2aOptions = {}): Promise<A2aClient> {
    return client.service('a2a', { url, ...options }, A2aClient);
  }

  card(options?: CallOptions): Promise<CardInfo> {
    return this._call('card', {}, options);
  }
  sendMessage(args: SendArgs, options?: CallOptions): Promise<{ task: Task } | { message: A2aMessage }> {
    return this._call('send_message', args, options);
  }
  sendStreamingMessage(args: SendArgs, options?: CallOptions): JsonStream<StreamEvent> {
    return this._open('send_streaming_message', args, options);
  }
  getTask(id: string, historyLength?: number, options?: CallOptions): Promise<Task> {
    return this._call('get_task', { id, historyLength }, options);
  }
  /** Every task matching `filter` (all pages). */
  listTasks(filter: ListTasksFilter = {}, options?: CallOptions): Promise<Task[]> {
    return this._call('list_tasks', filter, options);
  }
  cancelTask(id: string, options?: CallOptions): Promise<Task> {
    return this._call('cancel_task', { id }, options);
  }
  /** Follow a running task; the stream opens with a snapshot of it. */
  subscribeToTask(id: string, options?: CallOptions): JsonStream<StreamEvent> {
    return this._open('subscribe_to_task', { id }, options);
  }
  extendedCard(options?: CallOptions): Promise<Record<string, unknown>> {
    return this._call('extended_card', {}, options);
  }
  /** Any other JSON-RPC method of the agent (push-notification configs, ...). */
  rpc<R = unknown>(method: string, params: object = {}, options?: CallOptions): Promise<R> {
    return this._call('rpc', { jsonrpcMethod: method, params }, options);
  }
  /** The task and artifacts rebuilt from stream events (append / lastChunk). */
  assemble(events: StreamEvent[], options?: CallOptions): Promise<{ task?: Task; artifacts: Artifact[]; complete: string[] }> {
    return this._call('assemble', { events }, options);
  }
  /** The JSON-RPC messages exchanged so far (`record: true`), ids and times normalized. */
  recording(options?: CallOptions): Promise<unknown[]> {
    return this._call('recording', {}, options);
  }
}
registerWrapper(A2aClient);
