import { inspect } from 'node:util';

import * as native from '../native/index.js';
import { ResponseMeta } from './response.js';

/** @internal A token as the core hands it over (`surface::token_json`; Unix seconds, seconds left). */
export interface NativeToken {
  accessToken: string;
  tokenType: string;
  scope?: string;
  expiresIn?: number;
  expiresAt?: number;
  refreshToken?: string;
  idToken?: string;
}

/** An access token and what the SDK knows about it. `console.log` shows no secret. */
export class Token {
  readonly accessToken: string;
  readonly tokenType: string;
  /** The granted scopes, or null when the server did not say. */
  readonly scopes: readonly string[] | null;
  readonly expiresAt: Date | null;
  readonly refreshToken: string | null;
  readonly idToken: string | null;
  readonly #scope: string | null;
  readonly #expiresBy: number | null;

  /** Seconds left now, or null when the server gave no lifetime. */
  get expiresIn(): number | null {
    return this.#expiresBy === null ? null : Math.max(0, (this.#expiresBy - performance.now()) / 1000);
  }

  /** @internal */
  constructor(t: NativeToken) {
    this.accessToken = t.accessToken;
    this.tokenType = t.tokenType;
    this.#scope = t.scope ?? null;
    this.scopes = t.scope == null ? null : Object.freeze(t.scope.split(/\s+/).filter(Boolean));
    // Monotonic: the core's remaining lifetime, anchored to this process's clock.
    this.#expiresBy = t.expiresIn == null ? null : performance.now() + t.expiresIn * 1000;
    this.expiresAt = t.expiresAt == null ? null : new Date(t.expiresAt * 1000);
    this.refreshToken = t.refreshToken ?? null;
    this.idToken = t.idToken ?? null;
  }

  /** Whether the granted scopes allow `scope`, directly or through an including one (`chat:all` covers `chat:exec`). */
  hasScope(scope: string): boolean {
    return this.#scope !== null && native.scopeAllows(this.#scope, scope);
  }

  /** @deprecated Use {@link Token.hasScope} (the same name as in the other languages). */
  allows(scope: string): boolean {
    return this.hasScope(scope);
  }

  [inspect.custom](): string {
    return `Token { tokenType: '${this.tokenType}', scopes: ${JSON.stringify(this.scopes)}, expiresAt: ${this.expiresAt?.toISOString() ?? null}, accessToken: '***' }`;
  }
}

/** The answer to `client.request()`. Error statuses never get here: they throw typed errors. */
export class RawResponse {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
  /** Status, headers and request id, as on a completion. */
  readonly response: ResponseMeta;

  /** @internal */
  constructor(r: native.NativeRawResponse) {
    this.status = r.status;
    this.contentType = r.contentType ?? null;
    this.body = r.body;
    this.response = new ResponseMeta(r.response);
  }

  /** Names lower-case; the values of headers that may hold secrets are `***`. */
  get headers(): Headers {
    return this.response.headers;
  }

  /** The server's id for this request (quote it to support). */
  get requestId(): string | null {
    return this.response.requestId;
  }

  text(): string {
    return this.body.toString('utf8');
  }

  json<T = unknown>(): T {
    return JSON.parse(this.text()) as T;
  }
}
