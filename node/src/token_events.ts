/**
 * Token events: the core's `token_events` service under TypeScript names.
 *
 * What happens to a client's tokens that an app may want to know, as streams. Today that is
 * `storeErrors()`: every failed token store load, save, lease or clear (Redis unreachable, a file
 * not writable, a store object that threw) as a `StoreError` handed to you (not thrown). The core
 * decides what is reported; the stream follows the client from the moment it is opened.
 *
 * ```ts
 * const events = await client.tokenEvents();
 * for await (const e of events.storeErrors({ signal })) log.warn(`tokens not persisted: ${e.message}`);
 * ```
 */
import { type AgenticStarError, errorFromFields, type ErrorFields } from './errors.js';
import { type CallOptions, type JsonStream, ServiceBase, registerWrapper } from './service.js';

/** A stream of errors (the core's error details as their typed classes); `break` or abort ends it. */
export class ErrorStream implements AsyncIterable<AgenticStarError> {
  readonly #items: JsonStream<ErrorFields>;

  /** @internal */
  constructor(items: JsonStream<ErrorFields>) {
    this.#items = items;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<AgenticStarError, void, undefined> {
    for await (const f of this.#items) yield errorFromFields(f);
  }

  /** Stop the stream now; iteration ends quietly. */
  abort(): void {
    this.#items.abort();
  }
}

/** Token events of a client (`await client.tokenEvents()`). */
export class TokenEvents extends ServiceBase {
  static override readonly KIND = 'token_events';
  static override readonly METHODS = ['store_errors'] as const;

  /** Every failed token store operation from now on, as a `StoreError` (`details.operation` says which). */
  storeErrors(options?: CallOptions): ErrorStream {
    return new ErrorStream(this._open<ErrorFields>('store_errors', {}, options));
  }
}
registerWrapper(TokenEvents);
