// Raw responses (status, headers, request id on results and errors) and per-call options
// (timeout, maxRetries, headers/query/extraBody, withOptions) against the emulator.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { inspect } from 'node:util';

import { A2aClient, AuthenticationError, Client, ConfigError, McpClient, RateLimitError, ResponseMeta, ServerError, APITimeoutError } from 'agenticstar';

import { saas, startEmulator, user } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(() => emu.reset());

const isEmulatorId = (id) => typeof id === 'string' && id.startsWith('req_') && id.length > 4;
const busy = { endpoint: 'chat.completions', status: 503, times: 1, body: { error: { message: 'busy' } } };
const readAll = async (stream) => {
  for await (const _ of stream);
};

test('results carry status, headers and the request id', async () => {
  const c = new Client(saas(emu.url));
  const done = await c.chat.create(user('hi'));
  assert.ok(done.response instanceof ResponseMeta);
  assert.equal(done.response.status, 200);
  assert.ok(isEmulatorId(done.response.requestId), inspect(done.response));
  assert.equal(done.response.headers.get('X-Request-Id'), done.response.requestId);
  assert.ok(!('response' in JSON.parse(JSON.stringify(done))), 'response must stay out of the JSON');

  const s = c.chat.stream(user('hi'));
  for await (const _ of s) break;
  // break closed the stream; what arrived is still there.
  assert.ok(s.response.headers.get('content-type').startsWith('text/event-stream'));
  assert.ok(isEmulatorId(s.response.requestId));
  assert.notEqual(s.response.requestId, done.response.requestId);

  const raw = await c.request('GET', '/v1/models');
  assert.ok(isEmulatorId(raw.requestId));
  assert.equal(raw.headers.get('x-request-id'), raw.requestId);
  assert.equal(raw.response.status, 200);
});

test('errors carry the request id, headers and WWW-Authenticate; secret headers are masked', async () => {
  const c = new Client(saas(emu.url));
  await emu.fault({
    endpoint: 'chat.completions',
    status: 429,
    times: 4,
    headers: { 'Retry-After': '0', 'X-RateLimit-Remaining': '0', 'Set-Cookie': 'sid=s3cret-cookie' },
    body: { error: { message: 'slow down' } },
  });
  const e = await c.chat.create(user('hi')).then(() => null, (x) => x);
  assert.ok(e instanceof RateLimitError, inspect(e));
  assert.equal(e.status, 429);
  assert.ok(isEmulatorId(e.requestId));
  assert.equal(e.headers.get('x-ratelimit-remaining'), '0');
  assert.equal(e.headers.get('set-cookie'), '***');
  assert.ok(!inspect(e).includes('s3cret') && !e.message.includes('s3cret'));

  await emu.fault({
    endpoint: 'chat.completions',
    status: 401,
    times: 2,
    headers: { 'WWW-Authenticate': 'Bearer error="invalid_token"' },
    body: { error: { message: 'expired', code: 'invalid_token' } },
  });
  const a = await readAll(c.chat.stream(user('hi'))).then(() => null, (x) => x);
  assert.ok(a instanceof AuthenticationError, inspect(a));
  assert.equal(a.wwwAuthenticate, 'Bearer error="invalid_token"');
  assert.ok(isEmulatorId(a.requestId));
});

test('a configured request id header comes first', async () => {
  const c = new Client(saas(emu.url, { requestIdHeader: 'X-Trace-Id' }));
  await emu.fault({ endpoint: 'models', status: 200, headers: { 'X-Trace-Id': 'trace-7' }, body: { data: [] } });
  assert.equal((await c.request('GET', '/v1/models')).requestId, 'trace-7');
  assert.ok(isEmulatorId((await c.request('GET', '/v1/models')).requestId));
});

test('per-call timeout (ms) and maxRetries win over the client', async () => {
  const c = new Client(saas(emu.url, { maxRetries: 3, initialBackoff: 10 }));
  await emu.fault(busy);
  await assert.rejects(c.chat.create(user('hi'), { maxRetries: 0 }), ServerError);
  assert.equal(await emu.counter('chat.completions'), 1);
  await emu.fault(busy);
  await c.chat.create(user('hi')); // the client's retries
  assert.equal(await emu.counter('chat.completions'), 3);

  await emu.fault({ endpoint: 'chat.completions', delay_ms: 3000 });
  await assert.rejects(c.chat.create(user('hi'), { timeout: 200, maxRetries: 0 }), APITimeoutError);
  await emu.fault({ endpoint: 'chat.completions', delay_ms: 3000 });
  await assert.rejects(readAll(c.chat.stream(user('hi'), { timeout: 200, maxRetries: 0 })), APITimeoutError);
  await emu.fault({ endpoint: 'models', delay_ms: 3000 });
  await assert.rejects(c.request('GET', '/v1/models', undefined, { timeout: 200, maxRetries: 0 }), APITimeoutError);
  for (const timeout of [-1, Number.NaN]) {
    await assert.rejects(c.request('GET', '/v1/models', undefined, { timeout }), ConfigError);
  }
});

test('headers, query and extraBody reach the server', async () => {
  const c = new Client(saas(emu.url));
  await c.chat.create(user('hi'), { headers: { 'X-Custom': 'yes' }, query: { trace: 1 }, extraBody: { temperature: 0.25 } });
  const [last] = (await emu.requests('chat.completions')).slice(-1);
  assert.equal(last.headers['x-custom'], 'yes');
  assert.deepEqual(last.query, { trace: '1' });
  assert.equal(JSON.parse(last.body).temperature, 0.25);
  await assert.rejects(c.chat.create(user('hi'), { headers: { Authorization: 'Bearer x' } }), ConfigError);
});

test('withOptions shares the token manager', async () => {
  const c = new Client(saas(emu.url, { maxRetries: 3, initialBackoff: 10 }));
  const strict = c.withOptions({ maxRetries: 0, headers: { 'X-Tenant': 't1' } });
  assert.ok(strict instanceof Client);
  await c.chat.create(user('a'));
  await strict.chat.create(user('b'));
  assert.equal(await emu.counter('saas.token'), 1);
  const recorded = await emu.requests('chat.completions');
  assert.equal(recorded[0].headers['x-tenant'], undefined);
  assert.equal(recorded[1].headers['x-tenant'], 't1');
  await emu.fault(busy);
  await assert.rejects(strict.chat.create(user('c')), ServerError);
  await emu.fault(busy);
  await c.chat.create(user('d'));
  assert.throws(() => c.withOptions({ timeout: -1 }), ConfigError);
});

test('service calls give their answer and take per-call options', async () => {
  const agent = new Client(saas(emu.url, { clientId: 'saas-agent-client', clientSecret: 'saas-agent-secret' }));
  const mcp = await McpClient.connect(agent, `${emu.url}/mcp`);
  const raw = await mcp.withRawResponse.listTools();
  assert.ok(raw.data.some((t) => t.name === 'add'));
  assert.ok(raw.response instanceof ResponseMeta);
  assert.equal(raw.response.status, 200);
  assert.ok(isEmulatorId(raw.response.requestId), inspect(raw.response));
  assert.equal((await mcp.withRawResponse.recording()).response, null, 'a method that sends nothing');
  assert.throws(() => mcp.withRawResponse.callToolStream, TypeError, 'streams have no single answer');

  // A 503 is retried by default, not with maxRetries: 0; the error carries its answer.
  const mcpBusy = { endpoint: 'mcp', status: 503, times: 1, headers: { 'Retry-After': '0' }, body: { error: 'busy' } };
  await emu.fault(mcpBusy);
  const before = await emu.counter('mcp');
  await assert.rejects(mcp.ping({ maxRetries: 0 }), (e) => e instanceof ServerError && isEmulatorId(e.requestId));
  assert.equal((await emu.counter('mcp')) - before, 1);
  await emu.fault(mcpBusy);
  await mcp.withOptions({ maxRetries: 0 }).ping({ maxRetries: 2 }); // per call wins over withOptions
  assert.equal((await emu.counter('mcp')) - before, 3);
  await emu.fault(mcpBusy);
  await assert.rejects(mcp.withOptions({ maxRetries: 0 }).ping(), ServerError);

  // A per-call timeout (ms) wins over the client's.
  await emu.fault({ endpoint: 'mcp', delay_ms: 3000 });
  await assert.rejects(mcp.ping({ timeout: 200 }), APITimeoutError);

  // Extra headers, query and params reach the server, in calls and streams.
  const tagged = mcp.withOptions({ headers: { 'X-Custom': 'node' }, query: { trace: 1 }, extraBody: { traceTag: 't1' } });
  await tagged.callTool('add', { a: 2, b: 3 });
  let last = (await emu.requests('mcp')).at(-1);
  assert.equal(last.headers['x-custom'], 'node');
  assert.deepEqual(last.query, { trace: '1' });
  assert.equal(last.json.params.traceTag, 't1');
  await readAll(tagged.callToolStream('add', { a: 1, b: 1 }));
  assert.equal((await emu.requests('mcp')).at(-1).headers['x-custom'], 'node');
  await mcp.ping();
  assert.equal((await emu.requests('mcp')).at(-1).headers['x-custom'], undefined, 'withOptions made a new view');
  await assert.rejects(mcp.recording({ timeout: -1 }), ConfigError);

  const a2a = await A2aClient.fromCard(agent, emu.url);
  const sent = await a2a.withRawResponse.sendMessage({ text: 'hi' });
  assert.ok(isEmulatorId(sent.response.requestId));
  await emu.fault({ endpoint: 'a2a.rpc', status: 429, times: 1, headers: { 'Retry-After': '0' }, body: {} });
  await assert.rejects(a2a.listTasks({}, { maxRetries: 0, headers: { 'X-Custom': 'a2a' } }), RateLimitError);
  last = (await emu.requests('a2a.rpc')).at(-1);
  assert.equal(last.headers['x-custom'], 'a2a');
});
