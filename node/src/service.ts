/**
 * The core surface in TypeScript: one generic `Service` and its JSON streams.
 *
 * Every capability that is not chat or tokens (MCP, A2A, ...) is a service of the Rust core. A
 * TypeScript class for it is a table of method names over `ServiceBase`; the suite checks that
 * table against the core's `methods()`. Arguments and results are JSON in the core's camelCase
 * shape; core method names are snake_case and become camelCase methods here.
 */
import type * as native from '../native/index.js';
import { call, callSync, fromNative } from './call.js';
import { withCancel } from './cancel.js';
import { callOptionsJson, ResponseMeta } from './response.js';
import type { RequestOverrides } from './types.js';

/** One method of a core service. */
export interface MethodSpec {
  /** The core's snake_case name. */
  name: string;
  kind: 'call' | 'stream';
}

/**
 * Options of one service call or stream, over the client's (and `withOptions()`'s): `timeout` in
 * ms, `maxRetries` (only failures the server cannot have acted on are retried: no connection,
 * 408, 429, 503), extra `headers` and `query`, and `extraBody` fields merged into the JSON-RPC
 * request's `params`.
 */
export interface CallOptions extends RequestOverrides {
  /** Aborting settles the call with `signal.reason` and closes its connection. */
  signal?: AbortSignal;
}

/** A call's result with the answer that carried it (`service.withRawResponse.method()`). */
export interface RawResult<T> {
  readonly data: T;
  /** Status, headers and request id of the HTTP answer (the last, if the call took several);
   * null for a method that sends nothing. */
  readonly response: ResponseMeta | null;
}

/** `S`'s call methods, each resolving with a {@link RawResult} instead. */
export type WithRawResponse<S> = {
  [K in keyof S]: S[K] extends (...args: infer A) => Promise<infer R> ? (...args: A) => Promise<RawResult<R>> : never;
};

/**
 * Items of a stream method, read with `for await`. `break` (or a throw in the loop body) closes
 * the connection at once; aborting the signal (or `abort()`) closes it and ends the loop quietly.
 */
export class JsonStream<T = unknown> implements AsyncIterable<T> {
  readonly #native: native.NativeJsonStream;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.#native.cancel();

  /** @internal */
  constructor(n: native.NativeJsonStream, signal?: AbortSignal) {
    this.#native = n;
    this.#signal = signal;
    if (signal?.aborted) n.cancel();
    else signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    let finished = false;
    try {
      for (;;) {
        const batch = await this.#native.nextBatch();
        if (batch === '') {
          finished = true;
          return;
        }
        yield* JSON.parse(batch) as T[];
      }
    } catch (e) {
      finished = true;
      throw fromNative(e);
    } finally {
      if (!finished) this.#native.cancel();
      this.#signal?.removeEventListener('abort', this.#onAbort);
    }
  }

  /** Close the connection now; iteration ends quietly. */
  abort(): void {
    this.#native.cancel();
  }
}

/** A core service: `call(method, args)` and `open(method, args)`. */
export class Service {
  /** @internal */
  protected readonly native: native.NativeService;
  #defaults: RequestOverrides = {};

  /** @internal */
  constructor(n: native.NativeService) {
    this.native = n;
  }

  /**
   * The same service (one session, one connection pool) whose calls and streams default to
   * `options` over the client's; per-call options still win.
   */
  withOptions(options: RequestOverrides): this {
    const other = new (this.constructor as new (n: native.NativeService) => this)(this.native);
    Object.assign(other, this); // a subclass's own fields
    (other as Service).#defaults = { ...this.#defaults, ...options };
    return other;
  }

  /**
   * The call methods again, each resolving with `{ data, response }`:
   * `const { data, response } = await mcp.withRawResponse.listTools()`.
   */
  get withRawResponse(): WithRawResponse<this> {
    const kinds = new Map(this.methods().map((m) => [camelCase(m.name), m.kind]));
    return new Proxy(this, {
      get: (target, key) => {
        const m = (target as unknown as Record<PropertyKey, unknown>)[key];
        if (typeof key !== 'string' || kinds.get(key) !== 'call' || typeof m !== 'function') {
          throw new TypeError(`withRawResponse has no call method ${String(key)}`);
        }
        return async (...args: unknown[]): Promise<RawResult<unknown>> => {
          let response: ResponseMeta | null = null;
          const capture = (r: ResponseMeta | null): void => {
            response = r;
          };
          const data: unknown = await (m as (...a: unknown[]) => Promise<unknown>).apply(
            withCapture(target, capture),
            args,
          );
          return { data, response };
        };
      },
    }) as unknown as WithRawResponse<this>;
  }

  #options(options: CallOptions): string | undefined {
    return callOptionsJson({ ...this.#defaults, ...stripSignal(options) });
  }

  /** Every method the core service answers. */
  methods(): MethodSpec[] {
    return JSON.parse(callSync(() => this.native.methods())) as MethodSpec[];
  }

  /** Run a call method (`method`: the core's snake_case name). */
  async call<R = unknown>(method: string, args: object = {}, options: CallOptions = {}): Promise<R> {
    const body = JSON.stringify(args);
    const opts = this.#options(options);
    const r = await withCancel(options.signal, (c) => this.native.call(method, body, opts, c));
    capturing.get(this)?.(r.response ? new ResponseMeta(r.response) : null);
    return JSON.parse(r.json) as R;
  }

  /** Start a stream method. */
  open<T = unknown>(method: string, args: object = {}, options: CallOptions = {}): JsonStream<T> {
    const body = JSON.stringify(args);
    const opts = this.#options(options);
    return new JsonStream<T>(callSync(() => this.native.open(method, body, opts)), options.signal);
  }

  /** End the service (and its sessions at the server, where the protocol has them). */
  async close(): Promise<void> {
    await call(() => this.native.close());
  }
}

function stripSignal(o: CallOptions): RequestOverrides {
  const { timeout, maxRetries, headers, query, extraBody } = o;
  const out: RequestOverrides = {};
  if (timeout !== undefined) out.timeout = timeout;
  if (maxRetries !== undefined) out.maxRetries = maxRetries;
  if (headers !== undefined) out.headers = headers;
  if (query !== undefined) out.query = query;
  if (extraBody !== undefined) out.extraBody = extraBody;
  return out;
}

// A service view whose next call hands its answer to `capture` (what `withRawResponse` returns).
const capturing = new WeakMap<Service, (m: ResponseMeta | null) => void>();
function withCapture<S extends Service>(s: S, capture: (m: ResponseMeta | null) => void): S {
  const view = s.withOptions({});
  capturing.set(view, capture);
  return view;
}

/** What an idiomatic wrapper class declares: its kind and the core methods it exposes. */
export interface ServiceClass<S extends Service = Service> {
  new (n: native.NativeService): S;
  readonly KIND: string;
  /** Core (snake_case) names; each is a camelCase method of the class. */
  readonly METHODS: readonly string[];
}

/** Base of an idiomatic wrapper: subclasses set `KIND` and `METHODS` and forward each method. */
export abstract class ServiceBase extends Service {
  static readonly KIND: string = '';
  static readonly METHODS: readonly string[] = [];

  protected _call<R = unknown>(name: string, args: object = {}, options?: CallOptions): Promise<R> {
    return this.call<R>(name, args, options);
  }

  protected _open<T = unknown>(name: string, args: object = {}, options?: CallOptions): JsonStream<T> {
    return this.open<T>(name, args, options);
  }
}

/** Idiomatic wrapper classes by service kind; the suite checks each against core. */
export const wrappers: Record<string, ServiceClass[]> = {};

/** Register a wrapper class under its `KIND`. */
export function registerWrapper(cls: ServiceClass): void {
  (wrappers[cls.KIND] ??= []).push(cls);
}

/** The camelCase method name for a core method name. */
export const camelCase = (s: string): string => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** How a wrapper's method table differs from the core's (every list empty when in sync). */
export function methodTableMismatch(
  cls: ServiceClass,
  core: MethodSpec[],
): { notInWrapper: string[]; notInCore: string[]; notImplemented: string[] } {
  const names = new Set(core.map((m) => m.name));
  const table = new Set(cls.METHODS);
  const proto = cls.prototype as unknown as Record<string, unknown>;
  return {
    notInWrapper: [...names].filter((n) => !table.has(n)).sort(),
    notInCore: [...table].filter((n) => !names.has(n)).sort(),
    notImplemented: [...table].filter((n) => typeof proto[camelCase(n)] !== 'function').sort(),
  };
}

// ---- the diagnostic `echo` service (no I/O): checks an installation, and this module's glue ----

/** The error a `fail` call or a failing `count` ends with. */
export interface EchoFailure {
  kind: string;
  message?: string;
  status?: number;
  code?: string;
  retryAfterMs?: number;
  details?: unknown;
}

/** `client.service('echo', {}, EchoService)`: answers with what it is given. */
export class EchoService extends ServiceBase {
  static override readonly KIND = 'echo';
  static override readonly METHODS = ['echo', 'fail', 'count', 'wait_forever'] as const;

  echo<T extends object>(args: T, options?: CallOptions): Promise<T> {
    return this._call<T>('echo', args, options);
  }
  fail(failure: EchoFailure, options?: CallOptions): Promise<never> {
    return this._call<never>('fail', failure, options);
  }
  count(n: number, fail?: EchoFailure, options?: CallOptions): JsonStream<{ i: number }> {
    return this._open('count', { n, fail }, options);
  }
  waitForever(options?: CallOptions): JsonStream<{ waiting: boolean }> {
    return this._open('wait_forever', {}, options);
  }
}
registerWrapper(EchoService);
