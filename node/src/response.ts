import type * as native from '../native/index.js';
import type { RequestOverrides } from './types.js';

/** A `Headers` object from the core's header map (names lower-case, secret values `***`). */
export function toHeaders(h: Record<string, string> | null | undefined): Headers {
  const out = new Headers();
  for (const [k, v] of Object.entries(h ?? {})) {
    try {
      out.append(k, v);
    } catch {
      // A value `Headers` cannot hold (bytes beyond Latin-1): leave it out rather than fail the call.
    }
  }
  return out;
}

/** Status, headers and request id of an answer: `completion.response`, `stream.response`, `raw.response`. */
export class ResponseMeta {
  readonly status: number;
  /** Names lower-case; the values of headers that may hold secrets (cookies, credentials) are `***`. */
  readonly headers: Headers;
  /** The server's id for this request (quote it to support): the configured header, else `x-request-id`, else `request-id`. */
  readonly requestId: string | null;

  /** @internal */
  constructor(m: native.NativeResponseMeta) {
    this.status = m.status;
    this.headers = toHeaders(m.headers);
    this.requestId = m.requestId ?? null;
  }

  /** The `WWW-Authenticate` challenge (401 / 403), if any. */
  get wwwAuthenticate(): string | null {
    return this.headers.get('www-authenticate');
  }
}

/** The JSON of the core's `RequestOptions` (timeout in ms), or undefined when none is given. */
export function callOptionsJson(o: RequestOverrides): string | undefined {
  const { timeout, maxRetries, headers, query, extraBody } = o;
  const json = JSON.stringify({ timeout, maxRetries, headers, query, extraBody });
  return json === '{}' ? undefined : json;
}

/** Attach the answer's metadata to a parsed completion, out of `JSON.stringify`'s sight. */
export function withResponse<T extends object>(value: T, m: native.NativeResponseMeta | null | undefined): T {
  if (m) Object.defineProperty(value, 'response', { value: new ResponseMeta(m), enumerable: false });
  return value;
}
