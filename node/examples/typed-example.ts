// The Node quick start as one typed program. Run it against the emulator:
//   ../target/debug/agenticstar emulator --port 8080 &   (prints its URL)
//   AGENTICSTAR_URL=http://127.0.0.1:8080 npx tsx examples/typed-example.ts   (or compile with tsc)
import {
  AgenticStarError,
  Client,
  InvalidClientError,
  RateLimitError,
  type AuthorizationRequest,
  type ChatChunk,
  type ChatCompletion,
  type ClientOptions,
  type StoredToken,
  type TokenStore,
} from 'agenticstar';

const url = process.env.AGENTICSTAR_URL ?? 'http://127.0.0.1:8080';

// A token store: anything with load/save (here a Map; in production a database or secrets manager).
const saved = new Map<string, StoredToken>();
const tokenStore: TokenStore = {
  load: async (key) => saved.get(key),
  save: async (key, token) => void saved.set(key, token),
  clear: async (key) => void saved.delete(key),
};

const options: ClientOptions = {
  provider: { type: 'agenticstar', authUrl: url },
  clientId: 'saas-cc-client',
  clientSecret: 'saas-cc-secret',
  apiUrl: url,
  tokenStore,
  onToken: (token) => console.log(`new token, expires ${token.expiresAt?.toISOString()}`),
};

async function main(): Promise<void> {
  const client = new Client(options);

  // 1. Stream a reply with `for await`.
  const stream = client.chat.stream({ messages: [{ role: 'user', content: 'Hello from TypeScript' }] });
  for await (const chunk of stream) {
    const delta: string = chunk.choices[0]?.delta.content ?? '';
    process.stdout.write(delta);
  }
  console.log(`\nfinish: ${stream.finishReason}`);

  // 2. The callback form, and the whole completion at the end.
  const chunks: ChatChunk[] = [];
  const completion: ChatCompletion = await client.chat
    .stream({ messages: [{ role: 'user', content: 'again' }], stream_options: { include_usage: true } }, { onDelta: (_delta, chunk) => chunks.push(chunk) })
    .finalCompletion();
  console.log(`${chunks.length} chunks, ${completion.usage?.total_tokens} tokens: ${completion.choices[0]?.message.content}`);

  // 3. Abort: the connection closes at once and the loop ends quietly.
  const controller = new AbortController();
  for await (const _chunk of client.chat.stream({ messages: [{ role: 'user', content: 'stop me' }] }, { signal: controller.signal })) {
    controller.abort();
  }
  console.log('aborted');

  // 4. Tokens and any other API call.
  const token = await client.getToken();
  console.log(`scopes: ${token.scopes?.join(' ')}; may chat: ${token.hasScope('chat:exec')}`);
  const models = (await client.request('GET', '/v1/models')).json<{ data: { id: string }[] }>();
  console.log(`models: ${models.data.map((m) => m.id).join(', ')}`);

  // 5. Sign a user in with the authorization code flow (PKCE, state and nonce are handled).
  const app = new Client({ ...options, clientId: 'saas-app-client', clientSecret: 'saas-app-secret', flow: 'authorization_code', onToken: undefined });
  const request: AuthorizationRequest = await app.authorizeUrl({ redirectUri: 'http://127.0.0.1:3000/callback', scope: 'openid chat:exec' });
  // A web app redirects the browser to request.url and keeps `request` in the session; the browser
  // comes back to the redirect URI. The emulator approves at once, so follow its redirect by hand:
  const callbackUrl = (await fetch(request.url, { redirect: 'manual' })).headers.get('location') ?? '';
  const { idClaims } = await app.completeAuthorization(request, callbackUrl);
  console.log(`signed in as ${idClaims?.email}`);

  // 6. Errors are typed, with the stable `kind` and the server's details.
  try {
    // (No token store here: the store would hand back the token saved above for this client id.)
    await new Client({ ...options, clientSecret: 'wrong', tokenStore: undefined, maxRetries: 0 }).getToken();
    console.log('unexpected: the wrong secret was accepted');
  } catch (e) {
    if (e instanceof InvalidClientError) console.log(`${e.name}: kind=${e.kind} status=${e.status} code=${e.code}`);
    else if (e instanceof RateLimitError) console.log(`retry in ${e.retryAfter} ms`);
    else if (e instanceof AgenticStarError) console.log(`${e.kind}: ${e.message}`);
    else throw e;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
