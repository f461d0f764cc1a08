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

/** One method of a core service. */
export interface MethodSpec {
  /** The core's snake_case name. */
  name: string;
  kind: 'call' | 'stream';
}

export interface CallOptions {
  /** Aborting settles the call with `signal.reason` and closes its connection. */
  signal?: AbortSignal;
}

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

  /** @internal */
  constructor(n: native.NativeService) {
    this.native = n;
  }

  /** Every method the core service answers. */
  methods(): MethodSpec[] {
    return JSON.parse(callSync(() => this.native.methods())) as MethodSpec[];
  }

  /** Run a call method (`method`: the core's snake_case name). */
  async call<R = unknown>(method: string, args: object = {}, options: CallOptions = {}): Promise<R> {
    const body = JSON.stringify(args);
    return JSON.parse(await withCancel(options.signal, (c) => this.native.call(method, body, c))) as R;
  }

  /** Start a stream method. */
  open<T = unknown>(method: string, args: object = {}, options: CallOptions = {}): JsonStream<T> {
    const body = JSON.stringify(args);
    return new JsonStream<T>(callSync(() => this.native.open(method, body)), options.signal);
  }

  /** End the service (and its sessions at the server, where the protocol has them). */
  async close(): Promise<void> {
    await call(() => this.native.close());
  }
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
