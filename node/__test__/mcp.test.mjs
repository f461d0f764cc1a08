// MCP through the Node package against the real servers the Rust interop tests use, started here
// on loopback next to the emulator whose tokens they check: PyPI mcp==2.3.0 under uvicorn
// (interop/mcp-python, both eras) and npm @modelcontextprotocol/sdk@1.32.2 (interop/mcp-node,
// legacy only, resumable). scripts/test.sh installs both before this suite; without them the peer
// tests are skipped, unless AGENTICSTAR_REQUIRE_INTEROP is set. The shared session vector is
// recorded against the emulator's own /mcp.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import {
  APITimeoutError, Client, McpClient, StreamTooLargeError, StreamTruncatedError, UnauthorizedError,
} from 'agenticstar';

import { eventually, saas, startEmulator } from './emulator.mjs';

const dir = (p) => fileURLToPath(new URL(`../../${p}`, import.meta.url));
const pyDir = dir('interop/mcp-python');
const nodeDir = dir('interop/mcp-node');
const vector = JSON.parse(readFileSync(dir('testdata/mcp_session.json'), 'utf8'));
const pyInstalled = existsSync(`${pyDir}/.venv/bin/python`);
const nodeInstalled = existsSync(`${nodeDir}/node_modules/@modelcontextprotocol/sdk`);
if (process.env.AGENTICSTAR_REQUIRE_INTEROP && !(pyInstalled && nodeInstalled)) {
  throw new Error('the MCP peers are not installed (bash interop/mcp-python/install.sh; npm ci --prefix interop/mcp-node)');
}

let emu;
let py;
let npmPeer;

function firstLine(proc, matches) {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.on('line', (l) => {
      if (matches(l)) {
        rl.close();
        resolve(l);
      }
    });
    proc.once('exit', (code) => reject(new Error(`MCP peer exited with ${code}`)));
  });
}

function peer(proc, url, extra = {}) {
  const base = url.replace(/\/mcp$/, '');
  return { url, base, log: async () => (await fetch(`${base}/_requests`)).json(), close: () => proc.kill(), ...extra };
}

async function freePort() {
  const s = createServer().listen(0, '127.0.0.1');
  await new Promise((r) => s.once('listening', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return port;
}

before(async () => {
  emu = await startEmulator();
  if (pyInstalled) {
    const port = await freePort();
    const proc = spawn(`${pyDir}/.venv/bin/python`, ['server.py', String(port), emu.url], { cwd: pyDir, stdio: ['ignore', 'pipe', 'ignore'] });
    await firstLine(proc, (l) => l.trim() === 'READY');
    py = peer(proc, `http://127.0.0.1:${port}/mcp`);
  }
  if (nodeInstalled) {
    const proc = spawn('node', ['server.mjs', emu.url], { cwd: nodeDir, stdio: ['pipe', 'pipe', 'inherit'] });
    const ready = JSON.parse(await firstLine(proc, () => true));
    npmPeer = peer(proc, ready.url, { retryMs: ready.retryMs });
  }
});
after(() => {
  py?.close();
  npmPeer?.close();
  emu?.close();
});

const agent = (extra = {}) => new Client(saas(emu.url, { clientId: 'saas-agent-client', clientSecret: 'saas-agent-secret', ...extra }));
const methodOf = (e) => e.body?.method;
const collect = async (stream) => {
  const items = [];
  for await (const i of stream) items.push(i);
  return items;
};

test('mcp 2.3.0: current era (no initialize), add → 5 with progress, a resource and a prompt', { skip: !pyInstalled }, async () => {
  const start = (await py.log()).length;
  const mcp = await McpClient.connect(agent(), py.url);
  const info = await mcp.server();
  assert.deepEqual([info.era, info.protocolVersion], ['current', '2026-07-28']);
  assert.equal(await mcp.sessionId(), null);
  assert.ok((await mcp.listTools()).some((t) => t.name === 'add'));

  const items = await collect(mcp.callToolStream('add', { a: 2, b: 3 }));
  const result = items.pop();
  assert.ok(items.length >= 1 && items.every((i) => i.type === 'progress'), JSON.stringify(items));
  assert.equal(items[0].message, 'adding');
  assert.deepEqual([result.type, result.result.structuredContent], ['result', { result: 5 }]);
  assert.deepEqual((await mcp.callTool('add', { a: 2, b: 3 })).structuredContent, { result: 5 });

  assert.ok((await mcp.listResources()).some((r) => r.uri === 'greeting://hello'));
  assert.equal((await mcp.readResource('greeting://hello')).contents[0].text, 'Hello, world');
  assert.ok((await mcp.listPrompts()).some((p) => p.name === 'review'));
  assert.match((await mcp.getPrompt('review', { code: 'x = 1' })).messages[0].content.text, /x = 1/);
  await mcp.close();

  const log = (await py.log()).slice(start);
  const methods = log.map(methodOf).filter(Boolean);
  assert.equal(methods[0], 'server/discover');
  assert.ok(!methods.includes('initialize'), methods.join());
  const call = log.find((e) => methodOf(e) === 'tools/call');
  assert.deepEqual([call.headers['mcp-method'], call.headers['mcp-name']], ['tools/call', 'add']);
});

test('mcp 2.3.0, forced legacy: the session id is kept; deleted out of band, one re-initialize', { skip: !pyInstalled }, async () => {
  const start = (await py.log()).length;
  const mcp = await McpClient.connect(agent(), py.url, { era: 'legacy' });
  assert.equal((await mcp.server()).era, 'legacy');
  const sid = await mcp.sessionId();
  assert.ok(sid);
  assert.deepEqual((await mcp.callTool('add', { a: 2, b: 3 })).structuredContent, { result: 5 });
  assert.equal((await py.log()).slice(start).find((e) => methodOf(e) === 'tools/call').headers['mcp-session-id'], sid);

  // An mcp:all token for the server, fetched by hand, to delete the session behind the client's back.
  const form = new URLSearchParams({
    grant_type: 'client_credentials', client_id: 'saas-agent-client', client_secret: 'saas-agent-secret', scope: 'mcp:all', resource: py.url,
  });
  const { access_token } = await (await fetch(`${emu.url}/federation/auth/v1/token`, { method: 'POST', body: form })).json();
  const del = await fetch(py.url, {
    method: 'DELETE',
    headers: { 'mcp-session-id': sid, 'mcp-protocol-version': '2025-11-25', authorization: `Bearer ${access_token}` },
  });
  assert.ok(del.ok, String(del.status));
  assert.deepEqual((await mcp.callTool('add', { a: 1, b: 1 })).structuredContent, { result: 2 });
  assert.notEqual(await mcp.sessionId(), sid);
  assert.equal((await py.log()).slice(start).filter((e) => methodOf(e) === 'initialize').length, 2, 'one transparent re-initialize');
  await mcp.close();
  assert.equal((await py.log()).at(-1).method, 'DELETE');
});

test('no token or a token for another resource → UnauthorizedError with the PRM document', { skip: !pyInstalled }, async () => {
  await emu.reset();
  const e = await McpClient.connect(agent(), py.url, { resource: 'https://elsewhere.example/mcp' }).then(
    () => assert.fail('connected with a token for another resource'),
    (e) => e,
  );
  assert.ok(e instanceof UnauthorizedError, e.name);
  assert.match(e.details.resourceMetadata, /\/\.well-known\/oauth-protected-resource\/mcp$/);
  const doc = await (await fetch(e.details.resourceMetadata)).json();
  assert.deepEqual([doc.resource, doc.scopes_supported], [py.url, ['mcp:all']]);
  assert.equal(await emu.counter('saas.token'), 2, 'exactly one renewal, no loop');
  await assert.rejects(McpClient.connect(agent(), py.url, { bearer: false }), (e) => {
    assert.ok(e instanceof UnauthorizedError && e.status === 401, e.name);
    assert.ok(e.details.resourceMetadata.startsWith(py.base));
    return true;
  });
});

test('aborting callTool (AbortSignal) or leaving a stream closes its connection', { skip: !pyInstalled }, async () => {
  const cancelled = async () => (await py.log()).filter((e) => e.cancelled === 'slow').length;
  const slowCalls = async () => (await py.log()).filter((e) => e.body?.params?.name === 'slow').length;
  const mcp = await McpClient.connect(agent(), py.url);

  let before = await cancelled();
  const calls = await slowCalls();
  const ac = new AbortController();
  const call = mcp.callTool('slow', { seconds: 30 }, { signal: ac.signal });
  await eventually(async () => (await slowCalls()) > calls, 'the call to reach the server');
  await new Promise((r) => setTimeout(r, 200)); // the tool is running
  ac.abort();
  await assert.rejects(call, (e) => e.name === 'AbortError');
  await eventually(async () => (await cancelled()) > before, 'the server to see the call end');

  before = await cancelled();
  for await (const item of mcp.callToolStream('slow', { seconds: 30 })) {
    assert.equal(item.type, 'progress');
    break;
  }
  await eventually(async () => (await cancelled()) > before, 'the server to see the stream end');
});

test('npm SDK server: detection falls back to legacy; a cut stream resumes once after retry; close sends DELETE', { skip: !nodeInstalled }, async () => {
  const start = (await npmPeer.log()).length;
  const mcp = await McpClient.connect(agent(), npmPeer.url);
  const info = await mcp.server();
  assert.deepEqual([info.era, info.protocolVersion, info.serverInfo.name], ['legacy', '2025-11-25', 'node-peer']);
  const sid = await mcp.sessionId();
  assert.ok((await mcp.listTools()).some((t) => t.name === 'add'));
  const items = await collect(mcp.callToolStream('add', { a: 2, b: 3 }));
  assert.deepEqual(items.map((i) => i.type), ['progress', 'result']);
  assert.deepEqual(items[1].result.structuredContent, { result: 5 });

  assert.deepEqual((await mcp.callTool('resumable')).content, [{ type: 'text', text: 'resumed-result' }]);
  let log = (await npmPeer.log()).slice(start);
  const cut = log.find((e) => e.cut !== undefined).cut;
  const resumes = log.filter((e) => e.method === 'GET' && e.headers['last-event-id'] !== undefined);
  assert.equal(resumes.length, 1, 'exactly one resumption');
  assert.ok(resumes[0].t >= cut + npmPeer.retryMs, 'no earlier than the announced retry');
  assert.equal(resumes[0].headers['mcp-session-id'], sid);

  await mcp.close();
  log = (await npmPeer.log()).slice(start);
  assert.deepEqual(log.filter((e) => e.method === 'DELETE').map((e) => e.headers['mcp-session-id']), [sid]);
  assert.deepEqual(log.map(methodOf).filter(Boolean).slice(0, 3), ['server/discover', 'initialize', 'notifications/initialized']);

  await assert.rejects(McpClient.connect(agent(), npmPeer.url, { resource: 'https://elsewhere.example/mcp' }), (e) => {
    assert.ok(e instanceof UnauthorizedError, e.name);
    assert.match(e.details.resourceMetadata, /\/\.well-known\/oauth-protected-resource\/mcp$/);
    return true;
  });
});

test('the recorded session is the shared vector (testdata/mcp_session.json)', async () => {
  const mcp = await McpClient.connect(agent(), `${emu.url}/mcp`);
  await mcp.startRecording();
  await mcp.listTools();
  await collect(mcp.callToolStream('progress', { steps: 2 }));
  await mcp.callTool('add', { a: 2, b: 3 });
  const ir = await mcp.callTool('confirm', {});
  assert.equal(ir.resultType, 'input_required');
  await mcp.answer(ir, { confirm: { action: 'accept' } });
  await mcp.readResource('emulator://readme');
  await mcp.getPrompt('greet', { name: 'Alice' });
  assert.deepEqual(await mcp.recording(), vector);
});

// The token scenarios run against the emulator's /mcp (the same as core/tests/suite/mcp.rs) and against
// mcp 2.3.0, whose token check asks the emulator, so `newest_token_only` and expiry hold there too.
// The stream scenarios need the emulator's faults.
const emuMcp = () => `${emu.url}/mcp`;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const servers = [
  { name: 'emulator', skip: false, url: emuMcp, requests: () => emu.counter('mcp') },
  { name: 'mcp 2.3.0', skip: !pyInstalled, url: () => py.url, requests: async () => (await py.log()).length },
];

for (const server of servers) {
  /** [token requests, MCP requests] that `call` made. */
  const costs = async (call) => {
    const [tokens, posts] = [await emu.counter('saas.token'), await server.requests()];
    await call();
    return [(await emu.counter('saas.token')) - tokens, (await server.requests()) - posts];
  };

  test(`${server.name}: accepting only the newest token costs one refresh and one retry per call, no loop`, { skip: server.skip }, async () => {
    await emu.reset();
    await emu.config({ newest_token_only: true });
    const mcp = await McpClient.connect(agent(), server.url());
    // Another instance of the application gets a token: ours is no longer the newest.
    const form = new URLSearchParams({
      grant_type: 'client_credentials', client_id: 'saas-agent-client', client_secret: 'saas-agent-secret', scope: 'mcp:all', resource: server.url(),
    });
    assert.ok((await fetch(`${emu.url}/federation/auth/v1/token`, { method: 'POST', body: form })).ok);
    let result;
    assert.deepEqual(await costs(async () => { result = await mcp.callTool('add', { a: 2, b: 3 }); }), [1, 2], 'one refresh, one retry');
    assert.deepEqual(result.structuredContent, { result: 5 });
    // Two instances take turns invalidating each other's token.
    const other = await McpClient.connect(agent(), server.url());
    for (let i = 0; i < 3; i++) {
      for (const m of [mcp, other]) assert.deepEqual(await costs(() => m.callTool('add', { a: i, b: 1 })), [1, 2]);
    }
  });

  test(`${server.name}: 50 concurrent callTool on an expired token, then on a revoked one: one token request each`, { skip: server.skip }, async () => {
    await emu.reset();
    await emu.config({ token_lifetime_secs: 3 });
    const mcp = await McpClient.connect(agent(), server.url());
    await emu.config({ token_lifetime_secs: 3600 });
    await sleep(3100); // the token has expired
    const fifty = async () => {
      const results = await Promise.all(Array.from({ length: 50 }, (_, i) => mcp.callTool('add', { a: i, b: 1 })));
      assert.deepEqual(results.map((r) => r.structuredContent.result), Array.from({ length: 50 }, (_, i) => i + 1));
    };
    await fifty();
    assert.equal(await emu.counter('saas.token'), 2, 'the first token and one renewal for all 50 calls');
    await emu.revokeAll();
    await fifty();
    assert.equal(await emu.counter('saas.token'), 3, 'one renewal for all 50 rejected calls');
  });
}

test("the chat stream's 1 MiB line limit, event limit and timeouts apply to MCP streams", async () => {
  await emu.reset();
  const mcp = await McpClient.connect(agent(), emuMcp());
  const disconnects = (n) => eventually(async () => (await emu.counter('mcp.disconnects')) === n, `${n} streams left early`);
  for (const [n, stream] of [[1, 'huge_line'], [2, 'huge_event']]) {
    await emu.fault({ endpoint: 'mcp', stream });
    await assert.rejects(mcp.callTool('add', { a: 1, b: 1 }), StreamTooLargeError, stream);
    await disconnects(n); // the client left the oversized stream
  }
  await emu.fault({ endpoint: 'mcp', stream: 'disconnect' });
  await assert.rejects(mcp.callTool('add', { a: 1, b: 1 }), StreamTruncatedError);
  const small = await McpClient.connect(agent({ maxLineBytes: 100 }), emuMcp());
  await assert.rejects(collect(small.callToolStream('progress', { steps: 1000 })), StreamTooLargeError);
  await disconnects(3);

  const idle = await McpClient.connect(agent({ streamIdleTimeout: 300 }), emuMcp());
  await emu.fault({ endpoint: 'mcp', stream: 'never_end' });
  const started = Date.now();
  await assert.rejects(idle.callTool('add', { a: 1, b: 1 }), APITimeoutError);
  assert.ok(Date.now() - started >= 300, 'not before the idle timeout');
  await disconnects(4); // the timed-out stream was closed
  // A JSON answer whose body stalls is bounded by the request timeout.
  const strict = await McpClient.connect(agent({ timeout: 500 }), emuMcp());
  await emu.fault({ endpoint: 'mcp', status: 200, body: { jsonrpc: '2.0', id: 2, result: { content: [] } }, stall_after_bytes: 10 });
  await assert.rejects(strict.callTool('add', { a: 1, b: 1 }), APITimeoutError);
});

const mcpPosts = async (method) => (await emu.requests('mcp')).map((r) => r.json).filter((m) => m?.method === method);

for (const era of ['current', 'legacy']) {
  test(`${era} era: aborting callTool or leaving callToolStream closes the connection, seen by the emulator`, async () => {
    await emu.reset();
    await emu.config({ chunk_delay_ms: 200 });
    const mcp = await McpClient.connect(agent(), emuMcp(), { era });
    const posts = await emu.counter('mcp');
    const ac = new AbortController();
    const call = mcp.callTool('progress', { steps: 1000 }, { signal: ac.signal });
    await eventually(async () => (await emu.counter('mcp')) > posts, 'the call to reach the emulator');
    await sleep(300); // the answer is streaming
    assert.equal(await emu.counter('mcp.disconnects'), 0);
    ac.abort();
    await assert.rejects(call, (e) => e.name === 'AbortError');
    await eventually(async () => (await emu.counter('mcp.disconnects')) === 1, 'the emulator to see the call end');
    if (era === 'legacy') {
      // The legacy era also tells the server, naming the request.
      await eventually(async () => (await mcpPosts('notifications/cancelled')).length === 1, 'notifications/cancelled');
      const [cancelled] = await mcpPosts('notifications/cancelled');
      assert.equal(cancelled.params.requestId, (await mcpPosts('tools/call')).at(-1).id);
    }

    for await (const item of mcp.callToolStream('progress', { steps: 1000 })) {
      assert.equal(item.type, 'progress');
      break;
    }
    await eventually(async () => (await emu.counter('mcp.disconnects')) === 2, 'the emulator to see the stream end');
  });
}

test('for await over change notifications (subscriptions/listen)', async () => {
  await emu.reset();
  const mcp = await McpClient.connect(agent(), emuMcp());
  for await (const n of mcp.notifications(['emulator://readme'])) {
    assert.deepEqual([n.type, n.method], ['notification', 'notifications/subscriptions/acknowledged']);
    break;
  }
  const [listen] = await mcpPosts('subscriptions/listen');
  assert.match(JSON.stringify(listen.params), /emulator:\/\/readme/);
});
