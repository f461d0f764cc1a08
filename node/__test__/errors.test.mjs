// Every core error kind, produced against the emulator, arrives as its own class with its fields;
// no message, stack or excerpt carries a secret.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, beforeEach, test } from 'node:test';
import { inspect, promisify } from 'node:util';

import { AgenticStarError, Client, InternalError, JsonRpcError, errorClasses } from 'agenticstar';

import { SECRETS, approve, saas, startEmulator, user } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(() => emu.reset());

const seen = new Map(); // kind -> error
const secrets = [...SECRETS, 'wrong-secret-6f1b9e'];

/** Run `f`, expect it to throw the class of `kind`; keep the error for the final checks. */
async function expectKind(kind, f, check = () => {}) {
  let err;
  try {
    await f();
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a ${kind} error, got none`);
  assert.ok(err instanceof AgenticStarError, `not an AgenticStarError: ${inspect(err)}`);
  assert.ok(err instanceof errorClasses[kind], `expected ${errorClasses[kind].name}, got ${err.name}: ${err.message}`);
  assert.equal(err.kind, kind);
  assert.equal(err.name, errorClasses[kind].name);
  check(err);
  seen.set(kind, err);
  return err;
}

const readAll = async (stream) => {
  for await (const _ of stream);
};
const noRetry = (extra = {}) => new Client(saas(emu.url, { maxRetries: 0, ...extra }));
const app = () =>
  new Client({ provider: { type: 'agenticstar', authUrl: emu.url }, clientId: 'saas-app-client', clientSecret: 'saas-app-secret', apiUrl: emu.url, flow: 'authorization_code' });
const signInWithIdTokenFault = async (fault) => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: 'http://127.0.0.1:9/cb', scope: 'openid chat:exec' });
  secrets.push(req.state, req.nonce, req.codeVerifier);
  const cb = await approve(req.url);
  secrets.push(new URL(cb).searchParams.get('code'));
  if (fault) await emu.fault({ endpoint: 'saas.token', ...fault });
  return client.completeAuthorization(req, cb);
};
const chatFault = async (stream, extra = {}) => {
  await emu.fault({ endpoint: 'chat.completions', stream, after_chunks: 1, ...extra });
  return readAll(noRetry().chat.stream(user('hello')));
};

test('config: bad options fail at construction', async () => {
  await expectKind('config', () => new Client(saas(emu.url, { clientId: '' })));
  await expectKind('config', () => new Client(saas(emu.url, { provider: { type: 'nope', authUrl: emu.url } })), (e) => assert.match(e.message, /nope/));
  await expectKind('config', () => new Client(saas(emu.url, { timeout: -1 })));
  await expectKind('config', () => noRetry().chat.create({ messages: [] }));
  await expectKind('config', () => noRetry().request('GET', 'https://elsewhere.example/x'));
});

test('insecure_transport: plain http off loopback is refused', async () => {
  await expectKind('insecure_transport', () => new Client(saas('http://auth.example.com')));
});

test('invalid_client: wrong secret', async () => {
  await expectKind('invalid_client', () => noRetry({ clientSecret: 'wrong-secret-6f1b9e' }).getToken(), (e) => {
    assert.equal(e.status, 401);
    assert.equal(e.code, 'invalid_client');
  });
});

test('invalid_request', async () => {
  await emu.fault({ endpoint: 'saas.token', status: 400, body: { error: 'invalid_request', error_description: 'Missing parameter' } });
  await expectKind('invalid_request', () => noRetry().getToken(), (e) => assert.equal(e.status, 400));
});

test('invalid_grant: a used authorization code', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: 'http://127.0.0.1:9/cb' });
  const code = new URL(await approve(req.url)).searchParams.get('code');
  secrets.push(code, req.codeVerifier);
  await client.exchangeCode(req, code);
  await expectKind('invalid_grant', () => client.exchangeCode(req, code), (e) => assert.equal(e.code, 'invalid_grant'));
});

test('sign_in_required: an authorization code client without a session', async () => {
  await expectKind('sign_in_required', () => app().getToken());
});

test('unauthorized_client: the application client may not use client credentials', async () => {
  const c = new Client({ provider: { type: 'agenticstar', authUrl: emu.url }, clientId: 'saas-app-client', clientSecret: 'saas-app-secret' });
  await expectKind('unauthorized_client', () => c.getToken());
});

test('authentication: the API keeps rejecting the bearer token', async () => {
  await emu.fault({ endpoint: 'me', status: 401, times: 2, body: { error: 'invalid_token' } });
  await expectKind('authentication', () => noRetry().request('GET', '/v1/me'), (e) => assert.equal(e.status, 401));
  assert.equal(await emu.counter('saas.token'), 2, 'renewed once before giving up');
});

test('forbidden, with the wrapped API\'s code and codeReason', async () => {
  await emu.fault({ endpoint: 'wrapped.token', status: 403, body: { error: { code: '403001', code_reason: 'forbidden', message: 'Access forbidden for this resource' } } });
  const c = new Client({ provider: { type: 'wrapped', apiUrl: `${emu.url}/v1` }, clientId: 'wrapped-client', clientSecret: 'wrapped-secret' });
  await expectKind('forbidden', () => c.getToken(), (e) => {
    assert.equal(e.status, 403);
    assert.equal(e.code, '403001');
    assert.equal(e.codeReason, 'forbidden');
    assert.equal(e.message, 'Access forbidden for this resource');
  });
});

test('licenses_exhausted: Keycloak 403, then a back-off with retryAfter', async () => {
  await emu.config({ licenses_exhausted: true });
  const c = new Client({ provider: { type: 'keycloak', baseUrl: emu.url, realm: 'dai' }, clientId: 'dai-client', clientSecret: 'dai-secret' });
  await expectKind('licenses_exhausted', () => c.getToken(), (e) => assert.equal(e.status, 403));
  const again = await expectKind('licenses_exhausted', () => c.getToken());
  assert.ok(again.retryAfter > 0);
  assert.equal(await emu.counter('keycloak.token'), 1, 'the back-off asked nobody');
});

test('insufficient_scope: refused before sending', async () => {
  const c = new Client(saas(emu.url, { clientId: 'saas-mgmt-client', clientSecret: 'saas-mgmt-secret' }));
  await expectKind('insufficient_scope', () => c.chat.create(user('x')), (e) => assert.equal(e.code, 'insufficient_scope'));
  await expectKind('insufficient_scope', () => readAll(c.chat.stream(user('x'))));
  assert.equal(await emu.counter('chat.completions'), 0);
});

test('rate_limited with retryAfter in milliseconds', async () => {
  await emu.fault({ endpoint: 'me', status: 429, headers: { 'Retry-After': '7' }, body: { error: { message: 'slow down', code: 'rate_limited' } } });
  await expectKind('rate_limited', () => noRetry().request('GET', '/v1/me'), (e) => {
    assert.equal(e.status, 429);
    assert.equal(e.retryAfter, 7000);
  });
});

test('server_error', async () => {
  await emu.fault({ endpoint: 'me', status: 503, body: 'upstream down', content_type: 'text/plain' });
  await expectKind('server_error', () => noRetry().request('GET', '/v1/me'), (e) => {
    assert.equal(e.status, 503);
    assert.match(e.bodyExcerpt, /upstream down/);
  });
});

test('api_error: another error status', async () => {
  await emu.fault({ endpoint: 'me', status: 404, body: { error: { code: '404001', code_reason: 'not_found', message: 'Resource or endpoint not found' } } });
  await expectKind('api_error', () => noRetry().request('GET', '/v1/me'), (e) => {
    assert.equal(e.status, 404);
    assert.equal(e.code, '404001');
    assert.equal(e.codeReason, 'not_found');
  });
});

test('timeout: request and stream-idle limits', async () => {
  await emu.fault({ endpoint: 'me', delay_ms: 10_000 });
  await expectKind('timeout', () => noRetry({ timeout: 300 }).request('GET', '/v1/me'));
  await emu.fault({ endpoint: 'chat.completions', stream: 'never_end', after_chunks: 1 });
  await expectKind('timeout', () => readAll(noRetry({ streamIdleTimeout: 300 }).chat.stream(user('x'))));
});

test('network: nothing listens', async () => {
  await expectKind('network', () => new Client(saas('http://127.0.0.1:1', { maxRetries: 0 })).getToken());
});

test('unexpected_response: a 200 that is not a token', async () => {
  await emu.fault({ endpoint: 'saas.token', status: 200, body: '<html>login</html>', content_type: 'text/html' });
  await expectKind('unexpected_response', () => noRetry().getToken(), (e) => assert.equal(e.status, 200));
});

test('authorization_denied', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: 'http://127.0.0.1:9/cb' });
  await emu.fault({ endpoint: 'saas.authorize', deny: true });
  await expectKind('authorization_denied', async () => client.completeAuthorization(req, await approve(req.url)), (e) => assert.equal(e.code, 'access_denied'));
});

test('state_mismatch', async () => {
  const client = app();
  const req = await client.authorizeUrl({ redirectUri: 'http://127.0.0.1:9/cb' });
  const cb = new URL(await approve(req.url));
  cb.searchParams.set('state', 'forged');
  await expectKind('state_mismatch', () => client.completeAuthorization(req, cb.href));
});

for (const [kind, fault] of [
  ['id_token_signature', 'tamper'],
  ['id_token_nonce', 'wrong_nonce'],
  ['id_token_audience', 'wrong_aud'],
  ['id_token_issuer', 'wrong_iss'],
  ['id_token_expired', 'expired'],
]) {
  test(`${kind}: the id_token is checked`, async () => {
    await expectKind(kind, () => signInWithIdTokenFault({ id_token: fault }));
  });
}

test('id_token_invalid: openid asked, no id_token returned', async () => {
  await expectKind('id_token_invalid', () => signInWithIdTokenFault({ status: 200, body: { access_token: 'at-6f1b9e-no-id-token', token_type: 'Bearer', expires_in: 3600 } }));
  secrets.push('at-6f1b9e-no-id-token');
});

test('stream_truncated', async () => {
  await expectKind('stream_truncated', () => chatFault('disconnect'));
  await expectKind('stream_truncated', () => chatFault('missing_done'));
});

test('stream_decode', async () => {
  await expectKind('stream_decode', () => chatFault('malformed'), (e) => assert.ok(e.bodyExcerpt));
});

test('stream_error: an error event and an error object in the stream', async () => {
  await expectKind('stream_error', () => chatFault('error_event'), (e) => assert.equal(e.code, 'agent_error'));
  await expectKind('stream_error', () => chatFault('error_object'), (e) => {
    assert.equal(e.code, 'rate_limited');
    assert.equal(e.message, 'Rate limit in stream');
  });
});

test('stream_too_large', async () => {
  await expectKind('stream_too_large', () => chatFault('huge_line'));
});

test('store: a failing token store', async () => {
  const store = { load: async () => null, save: async () => {}, clear: async () => { throw new Error('disk full'); } };
  await expectKind('store', () => new Client(saas(emu.url, { tokenStore: store })).signOut(), (e) => assert.match(e.message, /disk full/));
});

test('internal: a Rust panic rejects or throws instead of aborting Node', async () => {
  // Not reachable through the public API (that is the point), so through the native test hook, in
  // a child process: the panic's report on stderr stays out of this output, and the child's exit
  // status proves the process survived.
  const script = `
    const native = require('./native/index.js');
    native.__panicForTest(true).catch((e) => {
      let sync;
      try { native.__panicForTest(false); } catch (s) { sync = s.message; }
      console.log(JSON.stringify({ async: e.message, sync }));
    });`;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', script], { cwd: new URL('..', import.meta.url), timeout: 30_000 });
  const out = JSON.parse(stdout);
  const err = JSON.parse(out.async);
  assert.equal(err.kind, 'internal'); // call.ts maps it (and the sync shape below) to InternalError
  assert.match(out.sync, /test panic \(sync\)/);
  seen.set('internal', new InternalError(err));
});

test('every error kind was produced, and no error shows a secret', async () => {
  // Protocol kinds (MCP/A2A JSON-RPC answers) and hardening kinds are produced by the core suites; service.test.mjs
  // proves every kind crosses the boundary as its class.
  const protocol = (k) => errorClasses[k] === JsonRpcError || errorClasses[k].prototype instanceof JsonRpcError || ['unauthorized', 'unsupported_agent', 'redirect', 'callback_issuer_mismatch', 'callback_issuer_missing', 'callback_invalid', 'discovery_issuer_mismatch', 'id_token_not_yet_valid', 'id_token_azp', 'id_token_key', 'device_code_expired'].includes(k);
  const missing = Object.keys(errorClasses).filter((k) => !seen.has(k) && !protocol(k));
  assert.deepEqual(missing, []);
  const token = (await noRetry().getToken()).accessToken;
  for (const [kind, e] of seen) {
    const text = [e.message, e.stack, e.bodyExcerpt, String(e), inspect(e), JSON.stringify(e)].join('\n');
    for (const s of [...secrets, token].filter(Boolean)) assert.ok(!text.includes(s), `${kind} error shows a secret`);
  }
});
