import type * as native from '../native/index.js';
import { callSync, fromNative } from './call.js';
import { ResponseMeta, withResponse } from './response.js';
import type { ChatChunk, ChatCompletion, Delta, StreamOptions, Usage } from './types.js';

/** What the native side hands over (see node/rust/stream.rs): common chunks as
 * `[content, finish_reason, role]` sharing the header's id/model/created, others whole. */
interface Batch {
  h: [string | null, string | null, number | null];
  c: Array<[string | null, string | null, string | null] | ChatChunk>;
}

function simpleChunk(
  id: string | null,
  model: string | null,
  created: number | null,
  [content, finishReason, role]: [string | null, string | null, string | null],
): ChatChunk {
  const delta: Delta = {};
  if (role !== null) delta.role = role;
  if (content !== null) delta.content = content;
  return { id, model, created, choices: [{ index: 0, delta, finish_reason: finishReason }], usage: null };
}

/**
 * A streamed chat reply, read with `for await`. Semantics follow openai-node:
 * - `break` (or an exception in the loop body) closes the HTTP connection at once;
 * - aborting the `signal` (or calling `abort()`) closes it too and ends the iteration quietly;
 * - a stream can be iterated once.
 *
 * The native side hands over every chunk that is ready as one batch (one boundary crossing and
 * one `JSON.parse` per batch); this class yields them one by one.
 */
export class ChatStream implements AsyncIterable<ChatChunk> {
  readonly #native: native.NativeChatStream;
  readonly #signal: AbortSignal | undefined;
  readonly #onDelta: StreamOptions['onDelta'];
  readonly #abortListener = (): void => this.#native.cancel();
  #iterated = false;

  /** @internal */
  constructor(n: native.NativeChatStream, options: StreamOptions = {}) {
    this.#native = n;
    this.#signal = options.signal;
    this.#onDelta = options.onDelta;
    if (this.#signal?.aborted) n.cancel();
    else this.#signal?.addEventListener('abort', this.#abortListener, { once: true });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<ChatChunk, void, undefined> {
    if (this.#iterated) throw new Error('this ChatStream was already iterated; start a new one with client.chat.stream()');
    this.#iterated = true;
    const n = this.#native;
    let finished = false;
    try {
      for (;;) {
        // Fast path first: chunks already received need no trip through the runtime.
        let batch = n.tryNextBatch();
        if (batch === null) batch = await n.nextBatch();
        if (batch === '') {
          finished = true; // [DONE], or cancelled: either way a quiet end
          return;
        }
        const b = JSON.parse(batch) as Batch;
        const [id, model, created] = b.h;
        for (const e of b.c) {
          const chunk = Array.isArray(e) ? simpleChunk(id, model, created, e) : e;
          this.#onDelta?.(chunk.choices[0]?.delta.content ?? '', chunk);
          yield chunk;
        }
      }
    } catch (e) {
      finished = true;
      throw fromNative(e);
    } finally {
      // `break`, `return` or a throw in the loop body: nobody will read further, so hang up.
      if (!finished) n.cancel();
      this.#signal?.removeEventListener('abort', this.#abortListener);
    }
  }

  /**
   * Read to the end (calling `onDelta` for each chunk) and return the accumulated completion.
   * Rejects with `signal.reason` if the signal aborted the stream.
   */
  async finalCompletion(): Promise<ChatCompletion> {
    if (!this.#iterated) for await (const _ of this);
    this.#signal?.throwIfAborted();
    return this.completion();
  }

  /** Close the connection now; iteration ends quietly. */
  abort(): void {
    this.#native.cancel();
  }

  /** The text received so far (first choice). */
  get text(): string {
    return callSync(() => this.#native.text());
  }

  /**
   * Status, headers and request id of the answer, once its head arrived (always after the first
   * chunk was read; an error from the answer carries them too).
   */
  get response(): ResponseMeta | null {
    const m = callSync(() => this.#native.response());
    return m ? new ResponseMeta(m) : null;
  }

  /** What was received so far, as one completion. */
  completion(): ChatCompletion {
    const c = JSON.parse(callSync(() => this.#native.completion())) as ChatCompletion;
    return withResponse(c, callSync(() => this.#native.response()));
  }

  /** Why the reply ended (`stop`, `length`, ...), once known. */
  get finishReason(): string | null {
    return this.completion().choices[0]?.finish_reason ?? null;
  }

  /** Token usage, when the server sent it (`stream_options: { include_usage: true }`). */
  get usage(): Usage | null {
    return this.completion().usage;
  }

  /** A web `ReadableStream` of the chunks (cancelling it closes the connection). */
  toReadableStream(): ReadableStream<ChatChunk> {
    const it = this[Symbol.asyncIterator]();
    return new ReadableStream<ChatChunk>({
      async pull(controller) {
        const r = await it.next();
        if (r.done) controller.close();
        else controller.enqueue(r.value);
      },
      async cancel() {
        await it.return();
      },
    });
  }
}
