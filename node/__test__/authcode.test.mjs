// The Authorization Code flow with PKCE: authorize URL, callback, exchange, refresh, sign-out.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, beforeEach, test } from 'node:test';

import { AuthorizationDeniedError, Client, InvalidGrantError, SignInRequiredError, StateMismatchError } from 'agenticstar';

import { approve, startEmulator, user } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(() => emu.reset());

const REDIRECT = 'http://127.0.0.1:8765/callback';
const app = (extra = {}) =>
  new Client({
    provider: { type: 'agenticstar', authUrl: emu.url },
    clientId: 'saas-app-client',
    clientSecret: 'saas-app-secret',
    apiUrl: emu.url,
    flow: 'authorization_code',
    ...extra,
  });

test('authorize URL carries state, nonce and an S256 PKCE challenge', async () => {
  const req = await app().authorizeUrl({ redirectUri: REDIRECT, scope: 'openid chat:exec', uiLocales: 'en', extra: { prompt: 'login' } });
  const u = new URL(req.url);
  assert.equal(u.origin + u.pathname, `${emu.url}/federation/auth/v1/authorize`);
  const q = Object.fromEntries(u.searchParams);
  assert.equal(q.response_type, 'code');
  assert.equal(q.client_id, 'saas-app-client');
  assert.equal(q.redirect_uri, REDIRECT);
  assert.equal(q.state, req.state);
  assert.equal(q.nonce, req.nonce);
  assert.equal(q.ui_locales, 'en');
  assert.equal(q.prompt, 'login');
  assert.equal(q.code_challenge_method, 'S256');
  assert.equal(q.code_challenge, createHash('sha256').update(req.codeVerifier).digest('base64url'));
  assert.ok(req.state.length >= 32 && req.nonce.length >= 32);
  const other = await app().authorizeUrl({ redirectUri: REDIRECT });
  assert.notEqual(other.state, req.state);
  assert.equal((await app().authorizeUrl({ redirectUri: REDIRECT, pkce: false })).codeVerifier, undefined);
});

test('full flow: callback, exchange with the verifier, validated id_token, then chat and refresh', async () => {
  const client = app();
  await assert.rejects(client.getToken(), SignInRequiredError, 'no session yet');
  // The request survives a JSON round trip (a web app keeps it in its session between redirects).
  const req = JSON.parse(JSON.stringify(await client.authorizeUrl({ redirectUri: REDIRECT, scope: 'openid chat:exec' })));
  const callback = await approve(req.url);
  const signIn = await client.completeAuthorization(req, callback);
  assert.equal(signIn.idClaims.sub, 'user-alice');
  assert.equal(signIn.idClaims.email, 'alice@example.com');
  assert.equal(signIn.idClaims.nonce, req.nonce);
  assert.ok(signIn.token.refreshToken && signIn.token.idToken);
  assert.ok(signIn.token.hasScope('chat:exec'));
  const [exchange] = (await emu.requests('saas.token')).filter((r) => r.form?.grant_type === 'authorization_code');
  assert.equal(exchange.form.code_verifier, req.codeVerifier);

  assert.equal((await client.getToken()).accessToken, signIn.token.accessToken);
  assert.match((await client.chat.create(user('hi'))).choices[0].message.content, /You said: hi/);
  const refreshed = await client.getToken({ forceRefresh: true });
  assert.notEqual(refreshed.accessToken, signIn.token.accessToken);
  assert.ok((await emu.requests('saas.token')).some((r) => r.form?.grant_type === 'refresh_token'));

  await client.signOut();
  await assert.rejects(client.getToken(), SignInRequiredError);
});

test('exchangeCode takes a code obtained by other means; the code is single use', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: REDIRECT });
  const code = new URL(await approve(req.url)).searchParams.get('code');
  const { token, idClaims } = await client.exchangeCode(req, code);
  assert.ok(token.accessToken);
  assert.equal(idClaims.sub, 'user-alice', 'the id_token (default scopes include openid) was validated');
  await assert.rejects(client.exchangeCode(req, code), InvalidGrantError);
});

test('a rotated-away refresh token means signing in again', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: REDIRECT });
  await client.completeAuthorization(req, await approve(req.url));
  await emu.reset(); // the server forgets every refresh token
  await assert.rejects(client.getToken({ forceRefresh: true }), SignInRequiredError);
});

test('callback errors: denied, forged state, state missing', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: REDIRECT });
  await emu.fault({ endpoint: 'saas.authorize', deny: true });
  const denied = await approve(req.url);
  await assert.rejects(client.completeAuthorization(req, denied), (e) => e instanceof AuthorizationDeniedError && e.code === 'access_denied');
  const cb = new URL(await approve(req.url));
  cb.searchParams.set('state', 'forged');
  await assert.rejects(client.completeAuthorization(req, cb.href), StateMismatchError);
  cb.searchParams.delete('state');
  await assert.rejects(client.completeAuthorization(req, cb.search), StateMismatchError);
});

test('tokens of a signed-in user go to the token store and come back in the next run', async () => {
  const saved = new Map();
  const store = { load: async (k) => saved.get(k), save: async (k, t) => void saved.set(k, t) };
  const first = app({ tokenStore: store });
  const req = await first.authorizeUrl({ redirectUri: REDIRECT, scope: 'openid chat:exec' });
  const { token } = await first.completeAuthorization(req, await approve(req.url));
  const [stored] = saved.values();
  assert.equal(stored.refreshToken, token.refreshToken);
  assert.equal(stored.idToken, token.idToken);
  const next = app({ tokenStore: store });
  assert.equal((await next.getToken()).accessToken, token.accessToken);
});
