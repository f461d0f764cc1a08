import { emitWarning } from 'node:process';

import * as native from '../native/index.js';
import { call, callSync } from './call.js';
import { withCancel } from './cancel.js';
import { callOptionsJson, withResponse } from './response.js';
import { Service, type ServiceClass } from './service.js';
import { ChatStream } from './stream.js';
import { TokenEvents } from './token_events.js';
import { type NativeToken, RawResponse, Token } from './token.js';
import type {
  AuthorizationRequest,
  AuthorizeOptions,
  ChatCompletion,
  ChatRequest,
  ClientOptions,
  IdClaims,
  RequestOptions,
  RequestOverrides,
  SignIn,
  StoredToken,
  StreamOptions,
  TokenStore,
} from './types.js';

/** A store the user implements (called from Rust), as opposed to a spec the core opens itself. */
function isStoreObject(s: ClientOptions['tokenStore']): s is TokenStore {
  return typeof s === 'object' && s !== null && typeof (s as TokenStore).load === 'function';
}

/** Adapts the user's store (sync or async methods) to the one callback the native side calls. */
function storeCallback(store: TokenStore): (c: native.StoreCall) => Promise<StoredToken | null> {
  return async (c) => {
    switch (c.op) {
      case 'load':
        return (await store.load(c.key)) ?? null;
      case 'save':
        await store.save(c.key, c.token as StoredToken);
        return null;
      default:
        await store.clear?.(c.key);
        return null;
    }
  };
}

// The core's sign-in JSON (`surface::sign_in_json`).
type NativeSignIn = { token: NativeToken; idClaims?: IdClaims };
const signIn = (s: unknown): SignIn => {
  const n = s as NativeSignIn;
  return { token: new Token(n.token), idClaims: n.idClaims ?? null };
};

/** The Chat API: `client.chat.stream()` and `client.chat.create()`. */
export class Chat {
  readonly #native: native.NativeClient;

  /** @internal */
  constructor(n: native.NativeClient) {
    this.#native = n;
  }

  /**
   * Stream a reply. Errors (token, HTTP, stream) are thrown by the iteration. `options` may also set
   * `timeout` (ms), `maxRetries`, `headers`, `query` and `extraBody` for this call.
   */
  stream(request: ChatRequest, options: StreamOptions = {}): ChatStream {
    const body = JSON.stringify(request);
    const opts = callOptionsJson(options);
    return new ChatStream(callSync(() => this.#native.chatStream(body, opts)), options);
  }

  /**
   * A whole reply in one answer (`stream: false`); its `response` has the status, headers and
   * request id. `options`: `signal`, and `timeout` (ms), `maxRetries`, `headers`, `query`, `extraBody`.
   */
  async create(request: ChatRequest, options: RequestOptions = {}): Promise<ChatCompletion> {
    const body = JSON.stringify(request);
    const opts = callOptionsJson(options);
    const r = await withCancel(options.signal, (c) => this.#native.chatCreate(body, opts, c));
    return withResponse(JSON.parse(r.json) as ChatCompletion, r.response);
  }
}

/**
 * The SDK's entry point: tokens (cached, renewed once for all concurrent callers), the
 * authorization code flow, chat and raw API calls over one connection pool.
 */
export class Client {
  readonly chat: Chat;
  readonly #native: native.NativeClient;
  #lastNumber = 0;
  #lastToken: Token | null = null;

  /** @param derived internal: the native client of `withOptions()`. */
  constructor(options: ClientOptions = {}, derived?: native.NativeClient) {
    if (derived) {
      this.#native = derived;
      this.chat = new Chat(derived);
      return;
    }
    // Everything but the callbacks is the core's ClientOptions JSON (durations in ms): the core
    // validates it, fills what is left out from AGENTICSTAR_*, applies the defaults and rejects
    // unknown keys.
    const { tokenStore, onToken, caCerts, ...rest } = options;
    const jsStore = isStoreObject(tokenStore) ? tokenStore : undefined;
    const json = JSON.stringify({
      ...rest,
      caCerts: caCerts === undefined ? undefined : ([] as string[]).concat(caCerts),
      tokenStore: jsStore ? undefined : tokenStore,
    });
    const listener =
      onToken &&
      ((t: NativeToken): void => {
        // A throw here would be a fatal exception on the native side: report it instead.
        try {
          onToken(new Token(t));
        } catch (e) {
          emitWarning(`agenticstar: onToken callback threw: ${String(e)}`);
        }
      });
    this.#native = callSync(() => new native.NativeClient(json, jsStore && storeCallback(jsStore), listener));
    this.chat = new Chat(this.#native);
  }

  /**
   * A client sharing this one's tokens (one cache, one renewal) and connections, whose calls
   * default to `options` (`timeout` in ms, `maxRetries`, `headers`, `query`, `extraBody`); token
   * requests keep this client's settings. Per-call options still win.
   */
  withOptions(options: RequestOverrides): Client {
    const json = callOptionsJson(options) ?? '{}';
    return new Client({} as ClientOptions, callSync(() => this.#native.withOptions(json)));
  }

  /** A valid access token: the cached one while fresh, else renewed (once for all concurrent callers). */
  getToken(options: { forceRefresh?: boolean } = {}): Promise<Token> {
    if (!options.forceRefresh) {
      // A cache hit needs no trip through the native thread pool, nor a copy of the token's
      // strings: the core says whether its fresh token is still the one we wrapped last time.
      const n = callSync(() => this.#native.cachedTokenNumber());
      if (n !== null) {
        if (n !== this.#lastNumber || this.#lastToken === null) {
          const t = callSync(() => this.#native.cachedToken());
          this.#lastToken = t ? new Token(t as NativeToken) : null;
          this.#lastNumber = n;
        }
        if (this.#lastToken !== null) return Promise.resolve(this.#lastToken);
      }
    }
    return call(() => this.#native.getToken(options.forceRefresh)).then((t) => new Token(t as NativeToken));
  }

  /** Forget the session here and in the token store. */
  signOut(): Promise<void> {
    return call(() => this.#native.signOut()).then(() => undefined);
  }

  /** Start the authorization code flow: the URL to send the user to, plus the state/nonce/PKCE verifier to keep. */
  authorizeUrl(options: AuthorizeOptions): Promise<AuthorizationRequest> {
    return call(() => this.#native.authorizeUrl(options)) as Promise<AuthorizationRequest>;
  }

  /**
   * Finish the flow from the URL the browser came back to (or its `?query`): checks `state`,
   * surfaces `error=`, exchanges the code with the PKCE verifier, validates the id_token and
   * keeps the tokens for this client.
   */
  completeAuthorization(request: AuthorizationRequest, callbackUrl: string): Promise<SignIn> {
    return call(() => this.#native.completeAuthorization(request, callbackUrl)).then(signIn);
  }

  /** Exchange a code obtained by other means (its `state` must already have been checked). */
  exchangeCode(request: AuthorizationRequest, code: string): Promise<SignIn> {
    return call(() => this.#native.exchangeCode(request, code)).then(signIn);
  }

  /**
   * Open a service of the core (`'mcp'`, `'a2a'`, ... see `serviceKinds`) on this client's tokens
   * and connections; `cls` is the wrapper class to return (default: the generic `Service`).
   */
  async service<S extends Service = Service>(kind: string, options: object = {}, cls?: ServiceClass<S>): Promise<S> {
    const json = JSON.stringify(options);
    const n = await call(() => this.#native.service(kind, json));
    return (cls ? new cls(n) : new Service(n)) as S;
  }

  /** What happens to this client's tokens, as streams (e.g. `storeErrors()`). */
  tokenEvents(): Promise<TokenEvents> {
    return this.service('token_events', {}, TokenEvents);
  }

  /**
   * An authenticated call to any endpoint of the API, with the same token renewal and 401
   * handling as chat. `body` is sent as JSON. Error statuses throw typed errors.
   */
  async request(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<RawResponse> {
    const json = body === undefined ? undefined : JSON.stringify(body);
    const opts = callOptionsJson(options);
    return new RawResponse(await withCancel(options.signal, (c) => this.#native.request(method, path, json, opts, c)));
  }
}
