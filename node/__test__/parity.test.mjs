// The language-neutral vectors in ../testdata, run through the public client over HTTP exactly as
// the Rust, Python and Kotlin suites run them: the emulator replays a vector's stream bytes (with
// its chunk splits) or serves its token answer. A case that passes elsewhere and fails here is a
// bug in this binding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, beforeEach, test } from 'node:test';

import { AgenticStarError, Client } from 'agenticstar';

import { saas, startEmulator, user } from './emulator.mjs';

const cases = (name) => JSON.parse(readFileSync(new URL(`../../testdata/${name}`, import.meta.url), 'utf8')).cases;

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(() => emu.reset());

const tokenUrl = () => `${emu.url}/federation/auth/v1/token`;

/** A client of `dialect`'s token endpoint, without retries (a vector's 429/503 is the answer). */
function tokenClient(dialect) {
  const [provider, clientId, clientSecret, endpoint] = {
    oauth: [{ type: 'oauth', tokenUrl: tokenUrl() }, 'saas-cc-client', 'saas-cc-secret', 'saas.token'],
    marketplace: [{ type: 'marketplace', baseUrl: emu.url }, 'mp-client', 'mp-secret', 'marketplace.token'],
    wrapped: [{ type: 'wrapped', apiUrl: `${emu.url}/v1` }, 'wrapped-client', 'wrapped-secret', 'wrapped.token'],
  }[dialect];
  return [new Client({ provider, clientId, clientSecret, maxRetries: 0 }), endpoint];
}

/** What the chat client yields for the vector's stream: chunks, then the error if any. */
async function replayed(c) {
  const replay = c.hex_chunks ? { hex_chunks: c.hex_chunks } : { chunks: c.chunks };
  await emu.fault({ endpoint: 'chat.completions', replay });
  const got = [];
  try {
    for await (const ch of new Client(saas(emu.url)).chat.stream(user('replay'))) {
      got.push({ text: ch.choices[0]?.delta.content ?? '', role: ch.choices[0]?.delta.role ?? null, finish_reason: ch.choices.find((x) => x.finish_reason)?.finish_reason ?? null });
    }
  } catch (e) {
    assert.ok(e instanceof AgenticStarError, String(e));
    got.push({ error: { kind: e.kind, code: e.code ?? null } });
  }
  return got;
}

test('sse vectors', async () => {
  for (const c of cases('sse.json')) {
    const got = (await replayed(c)).map((x) => ('text' in x ? { text: x.text } : x));
    assert.deepEqual(got, c.chat, c.name);
  }
});

test('chat vectors', async () => {
  for (const c of cases('chat.json')) {
    const want = c.expect?.done ? [] : [c.expect ?? { error: c.error }];
    assert.deepEqual(await replayed(c), want, c.name);
  }
});

test('token vectors', async () => {
  for (const c of cases('tokens.json')) {
    await emu.reset();
    const [client, endpoint] = tokenClient(c.dialect);
    await emu.fault({ endpoint, status: c.status, body: c.body });
    if (c.expect) {
      const t = await client.getToken();
      const w = c.expect;
      assert.ok(t.expiresIn > w.expires_in - 5 && t.expiresIn <= w.expires_in, `${c.name}: ${t.expiresIn}`);
      const got = {
        access_token: t.accessToken, token_type: t.tokenType, expires_in: Math.ceil(t.expiresIn),
        refresh_token: t.refreshToken, id_token: t.idToken, scope: t.scopes === null ? null : t.scopes.join(' '),
      };
      assert.deepEqual(got, w, c.name);
    } else {
      const e = await client.getToken().then(() => assert.fail(`${c.name}: expected an error`), (e) => e);
      assert.ok(e instanceof AgenticStarError, String(e));
      assert.deepEqual({ kind: e.kind, status: e.status ?? null, code: e.code ?? null, code_reason: e.codeReason ?? null }, c.error, c.name);
    }
  }
});

test('callback vectors: completeAuthorization, the code reaches the token endpoint', async () => {
  const client = new Client({ provider: { type: 'oauth', tokenUrl: tokenUrl() }, clientId: 'saas-app-client', clientSecret: 'saas-app-secret', flow: 'authorization_code' });
  for (const c of cases('callbacks.json')) {
    await emu.reset();
    const request = { url: emu.url, redirectUri: c.redirect_uri, state: c.state, nonce: 'n' };
    if (c.expect) {
      await emu.fault({ endpoint: 'saas.token', status: 200, body: { access_token: 'at', token_type: 'Bearer', expires_in: 60 } });
      await client.completeAuthorization(request, c.callback);
      assert.deepEqual({ code: (await emu.requests('saas.token')).at(-1).form.code }, c.expect, c.name);
    } else {
      const e = await client.completeAuthorization(request, c.callback).then(() => assert.fail(`${c.name}: expected an error`), (e) => e);
      assert.ok(e instanceof AgenticStarError, String(e));
      assert.deepEqual({ kind: e.kind, code: e.code ?? null }, c.error, c.name);
      assert.deepEqual(await emu.requests('saas.token'), [], c.name);
    }
  }
});

test('scope vectors: granted in a token answer, checked by the token', async () => {
  for (const c of cases('scopes.json')) {
    await emu.reset();
    const [client, endpoint] = tokenClient('oauth');
    await emu.fault({ endpoint, status: 200, body: { access_token: 'at', token_type: 'Bearer', expires_in: 60, scope: c.granted } });
    const t = await client.getToken();
    for (const s of c.allows) assert.ok(t.hasScope(s), `${c.granted} allows ${s}`);
    for (const s of c.denies) assert.ok(!t.hasScope(s), `${c.granted} denies ${s}`);
  }
});

test('chat request vectors: the same bytes on the wire as every other language', async () => {
  const client = new Client(saas(emu.url));
  for (const c of cases('chat_requests.json')) {
    const sent = (await emu.requests('chat.completions')).length;
    const run = async () => {
      for await (const _ of client.chat.stream(c.request));
    };
    if (c.body !== undefined) {
      await run();
      const recorded = await emu.requests('chat.completions');
      assert.equal(recorded.length, sent + 1, c.name);
      assert.equal(recorded.at(-1).body, c.body, c.name);
    } else {
      const e = await run().then(() => assert.fail(`${c.name}: expected an error`), (e) => e);
      assert.ok(e instanceof AgenticStarError, String(e));
      assert.deepEqual({ kind: e.kind }, c.error, c.name);
      assert.equal((await emu.requests('chat.completions')).length, sent, c.name);
    }
  }
});
