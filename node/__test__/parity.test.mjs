// The language-neutral vectors in ../testdata, run against the core exactly as the Rust, Python
// and Kotlin suites run them. A case that passes elsewhere and fails here is a bug in this binding.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { AgenticStarError, Client } from 'agenticstar';

import { saas, startEmulator } from './emulator.mjs';

const require = createRequire(import.meta.url);
const native = require('../native/index.js');
const { fromNative } = require('../dist/call.js');

const cases = (name) => JSON.parse(readFileSync(new URL(`../../testdata/${name}`, import.meta.url), 'utf8')).cases;

/** The typed error a native call throws, as users see it. */
function thrown(f) {
  try {
    f();
  } catch (e) {
    const err = fromNative(e);
    assert.ok(err instanceof AgenticStarError, String(err));
    return err;
  }
  assert.fail('expected an error');
}

test('sse vectors', () => {
  for (const c of cases('sse.json')) {
    const chunks = c.hex_chunks ? c.hex_chunks.map((h) => Buffer.from(h, 'hex')) : c.chunks.map((s) => Buffer.from(s, 'utf8'));
    const out = native.sseDecode(chunks);
    assert.deepEqual(out.events.map(({ event, data, id }) => ({ event, data, id })), c.events, c.name);
    assert.equal(out.retry ?? null, c.retry, c.name);
  }
});

test('token vectors', () => {
  for (const c of cases('tokens.json')) {
    const run = () => native.parseTokenResponse(c.dialect, c.status, Buffer.from(c.body, 'utf8'));
    if (c.expect) {
      const t = run();
      const got = {
        access_token: t.accessToken, token_type: t.tokenType, expires_in: t.expiresIn ?? null,
        refresh_token: t.refreshToken ?? null, id_token: t.idToken ?? null, scope: t.scope ?? null,
      };
      assert.deepEqual(got, c.expect, c.name);
    } else {
      const e = thrown(run);
      assert.deepEqual({ kind: e.kind, status: e.status ?? null, code: e.code ?? null, code_reason: e.codeReason ?? null }, c.error, c.name);
    }
  }
});

test('chat vectors', () => {
  for (const c of cases('chat.json')) {
    const run = () => native.decodeChatEvent(c.event, c.data);
    if (c.expect) {
      const d = run();
      const got = d == null ? { done: true } : { text: d.text, role: d.role ?? null, finish_reason: d.finishReason ?? null };
      assert.deepEqual(got, c.expect, c.name);
    } else {
      const e = thrown(run);
      assert.deepEqual({ kind: e.kind, code: e.code ?? null }, c.error, c.name);
    }
  }
});

test('callback vectors', () => {
  for (const c of cases('callbacks.json')) {
    const run = () => native.parseCallback(c.state, c.callback);
    if (c.expect) {
      assert.deepEqual({ code: run() }, c.expect, c.name);
    } else {
      const e = thrown(run);
      assert.deepEqual({ kind: e.kind, code: e.code ?? null }, c.error, c.name);
    }
  }
});

test('scope vectors', () => {
  for (const c of cases('scopes.json')) {
    for (const s of c.allows) assert.ok(native.scopeAllows(c.granted, s), `${c.granted} allows ${s}`);
    for (const s of c.denies) assert.ok(!native.scopeAllows(c.granted, s), `${c.granted} denies ${s}`);
  }
});

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

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
