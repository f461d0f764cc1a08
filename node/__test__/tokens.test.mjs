// Tokens for every provider, the token-store hook, onToken, raw requests, single-flight renewal.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { after, before, beforeEach, test } from 'node:test';

import * as esm from 'agenticstar';
import { Client, Token } from 'agenticstar';

import { saas, startEmulator, user } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(() => emu.reset());

const providers = (url) => [
  ['SaaS client credentials', saas(url), 'saas.token', ['openid', 'chat:all']],
  ['Marketplace', { provider: { type: 'marketplace', baseUrl: url }, clientId: 'mp-client', clientSecret: 'mp-secret' }, 'marketplace.token', ['openid']],
  ['Keycloak', { provider: { type: 'keycloak', baseUrl: url, realm: 'dai' }, clientId: 'dai-client', clientSecret: 'dai-secret' }, 'keycloak.token', ['email', 'template:dai:agents', 'profile']],
  ['wrapped token API', { provider: { type: 'wrapped', apiUrl: `${url}/v1` }, clientId: 'wrapped-client', clientSecret: 'wrapped-secret' }, 'wrapped.token', null],
  ['OIDC discovery', { provider: { type: 'oidc', issuer: `${url}/federation/auth/v1` }, clientId: 'saas-cc-client', clientSecret: 'saas-cc-secret', apiUrl: url }, 'saas.token', ['openid', 'chat:all']],
  ['plain OAuth endpoints, client_secret_basic', { provider: { type: 'oauth', tokenUrl: `${url}/federation/auth/v1/token` }, clientId: 'saas-cc-client', clientSecret: 'saas-cc-secret', authMethod: 'client_secret_basic', apiUrl: url }, 'saas.token', ['openid', 'chat:all']],
];

test('every provider issues a token that the API accepts', async (t) => {
  for (const [name, options, counter, scopes] of providers(emu.url)) {
    await t.test(name, async () => {
      const before = await emu.counter(counter);
      const client = new Client(options);
      const token = await client.getToken();
      assert.ok(token instanceof Token);
      assert.ok(token.accessToken.length > 10);
      assert.equal(token.tokenType, 'Bearer');
      if (scopes) assert.deepEqual([...(token.scopes ?? [])].sort(), [...scopes].sort());
      assert.ok(token.expiresIn > 0 && token.expiresAt > new Date());
      assert.equal(await emu.counter(counter), before + 1);
      // The token is good at the API (a chat for every provider with an API URL).
      if (name !== 'Keycloak') {
        const me = (await client.request('GET', '/v1/me')).json();
        assert.equal(typeof me.client_id, 'string');
        const reply = await client.chat.create(user('ping'));
        assert.match(reply.choices[0].message.content, /You said: ping/);
      }
    });
  }
});

test('the cached token is reused; forceRefresh renews', async () => {
  const client = new Client(saas(emu.url));
  const a = await client.getToken();
  const b = await client.getToken();
  assert.equal(a.accessToken, b.accessToken);
  assert.equal(await emu.counter('saas.token'), 1);
  const c = await client.getToken({ forceRefresh: true });
  assert.notEqual(c.accessToken, a.accessToken);
  assert.equal(await emu.counter('saas.token'), 2);
});

test('scopes: inclusions are applied and console output hides the token', async () => {
  const token = await new Client(saas(emu.url)).getToken();
  assert.ok(token.hasScope('chat:all') && token.hasScope('chat:exec') && token.hasScope('chat:history'));
  assert.ok(!token.hasScope('mcp:exec'));
  assert.ok(token.allows('chat:exec'), 'the deprecated alias still answers');
  const { inspect } = await import('node:util');
  assert.ok(!inspect(token).includes(token.accessToken));
});

test('an expired token is renewed before use', async () => {
  await emu.config({ token_lifetime_secs: 0 });
  const client = new Client(saas(emu.url));
  const a = await client.getToken(); // issued already expired
  await emu.config({ token_lifetime_secs: 3600 });
  await client.request('GET', '/v1/me');
  assert.equal(await emu.counter('saas.token'), 2, 'renewed for the request');
  assert.notEqual((await client.getToken()).accessToken, a.accessToken);
});

test('token store hook: saved after issue, loaded by a new client, cleared by signOut', async () => {
  const saved = new Map();
  const calls = [];
  const store = {
    async load(key) {
      calls.push(['load', key]);
      return saved.get(key);
    },
    async save(key, token) {
      calls.push(['save', key]);
      saved.set(key, token);
    },
    async clear(key) {
      calls.push(['clear', key]);
      saved.delete(key);
    },
  };
  const seen = [];
  const first = new Client(saas(emu.url, { tokenStore: store, onToken: (t) => seen.push(t) }));
  const token = await first.getToken();
  const [[, key]] = calls.filter(([op]) => op === 'save');
  const stored = saved.get(key);
  assert.equal(stored.accessToken, token.accessToken);
  assert.equal(stored.scope, 'openid chat:all');
  assert.ok(stored.expiresAt > Date.now() / 1000);
  assert.equal(seen.length, 1);
  assert.ok(seen[0] instanceof Token);
  assert.equal(seen[0].accessToken, token.accessToken);

  // A second client (think: the next run) takes the stored token without asking the server.
  const second = new Client(saas(emu.url, { tokenStore: store }));
  assert.equal((await second.getToken()).accessToken, token.accessToken);
  assert.equal(await emu.counter('saas.token'), 1);

  await second.signOut();
  assert.ok(!saved.has(key));
  assert.deepEqual(calls.at(-1), ['clear', key]);
});

test('a synchronous store and a throwing onToken are tolerated', async () => {
  const saved = new Map();
  const store = { load: (k) => saved.get(k), save: (k, t) => void saved.set(k, t) };
  const warnings = [];
  const onWarning = (w) => warnings.push(w.message);
  process.on('warning', onWarning);
  try {
    const client = new Client(saas(emu.url, { tokenStore: store, onToken: () => { throw new Error('listener bug'); } }));
    await client.getToken();
    assert.equal(saved.size, 1);
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(warnings.some((m) => m.includes('listener bug')), warnings.join());
  } finally {
    process.off('warning', onWarning);
  }
});

test('client.request: methods, JSON bodies, raw answers', async () => {
  const client = new Client(saas(emu.url));
  const models = await client.request('GET', '/v1/models');
  assert.equal(models.status, 200);
  assert.match(models.contentType, /application\/json/);
  assert.ok(Buffer.isBuffer(models.body));
  assert.equal(models.json().data[0].id, 'AGENTIC STAR');
  const created = await client.request('post', '/v1/chat/completions', { messages: [{ role: 'user', content: 'raw' }] });
  assert.match(created.text(), /You said: raw/);
  const [recorded] = (await emu.requests('chat.completions')).slice(-1);
  assert.equal(recorded.auth_method, 'bearer');
});

test('50 concurrent streams share one token request', async () => {
  const client = new Client(saas(emu.url));
  const texts = await Promise.all(
    Array.from({ length: 50 }, async (_, i) => {
      let text = '';
      for await (const chunk of client.chat.stream(user(`n${i}`))) text += chunk.choices[0]?.delta.content ?? '';
      return text;
    }),
  );
  texts.forEach((t, i) => assert.ok(t.endsWith(`You said: n${i}`), t));
  assert.equal(await emu.counter('saas.token'), 1);
  assert.equal(await emu.counter('chat.completed'), 50);
});

test('CommonJS and ES module entry points export the same objects', () => {
  const cjs = createRequire(import.meta.url)('agenticstar');
  const names = Object.keys(cjs).filter((n) => n !== '__esModule');
  assert.ok(names.includes('Client') && names.includes('AgenticStarError'));
  for (const n of names) assert.equal(esm[n], cjs[n], n);
  assert.deepEqual(Object.keys(esm).filter((n) => n !== 'default').sort(), names.sort());
});
