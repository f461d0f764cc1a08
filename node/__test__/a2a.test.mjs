// A2A through the Node package, against the reference server: a2a-sdk[http-server]==1.3.0
// (interop/a2a-python, installed by its install.sh), started here on loopback next to the
// emulator whose tokens it checks. Skipped when the peer is not installed, unless
// AGENTICSTAR_REQUIRE_INTEROP is set.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { after, before, test } from 'node:test';

import { A2aClient, AgenticStarError, Client, InsufficientScopeError, errorClasses } from 'agenticstar';

import { eventually, saas, startEmulator } from './emulator.mjs';

const peerDir = fileURLToPath(new URL('../../interop/a2a-python', import.meta.url));
const peerPython = `${peerDir}/.venv/bin/python`;
const vector = JSON.parse(readFileSync(fileURLToPath(new URL('../../testdata/a2a_exchange.json', import.meta.url)), 'utf8'));
const installed = existsSync(peerPython);
if (!installed && process.env.AGENTICSTAR_REQUIRE_INTEROP) throw new Error('interop/a2a-python is not installed (bash interop/a2a-python/install.sh)');

let emu;
let peer;

async function startPeer(issuer) {
  const proc = spawn(peerPython, ['server.py', '--issuer', issuer, '--port', '0', '--tenant', 't1', '--word-delay-ms', '40'], {
    cwd: peerDir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    proc.once('exit', (code) => reject(new Error(`a2a peer exited with ${code}`)));
  });
  assert.match(line, /^LISTENING /);
  const url = line.slice('LISTENING '.length);
  const get = async (path) => (await fetch(url + path)).json();
  return {
    url,
    get,
    requests: () => get('/_test/requests'),
    reset: () => fetch(url + '/_test/reset', { method: 'POST' }),
    close: () => proc.kill(),
  };
}

before(async () => {
  if (!installed) return;
  emu = await startEmulator();
  peer = await startPeer(emu.url);
});
after(() => {
  peer?.close();
  emu?.close();
});

const agentOptions = () => saas(emu.url, { clientId: 'saas-agent-client', clientSecret: 'saas-agent-secret' });
const words = (n) => Array.from({ length: n }, (_, i) => `w${i}`).join(' ');
const kind = (e) => Object.keys(e)[0];

test('card, its bearer requirement, and a token without a2a:all refused before any call', { skip: !installed }, async () => {
  await peer.reset();
  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url);
  const info = await agent.card();
  assert.equal(info.card.name, 'Echo agent');
  assert.deepEqual(info.requirement, { schemes: ['bearer'], scopes: ['a2a:all'] });
  assert.equal(info.interface.url, `${peer.url}/a2a`);
  assert.equal(info.interface.tenant, 't1');
  assert.match((await agent.extendedCard()).description, /extended card/);

  await peer.reset();
  await assert.rejects(A2aClient.fromCard(new Client(saas(emu.url)), peer.url), (e) => {
    assert.ok(e instanceof InsufficientScopeError);
    assert.deepEqual(e.details.requiredScopes, ['a2a:all']);
    return true;
  });
  assert.deepEqual(await peer.requests(), []);
});

test('streamed task: WORKING, three chunks, COMPLETED; getTask shows the assembled artifact', { skip: !installed }, async () => {
  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url);
  const events = [];
  for await (const e of agent.sendStreamingMessage({ text: 'hello big world' })) events.push(e);
  assert.deepEqual(events.map(kind), ['task', 'statusUpdate', 'artifactUpdate', 'artifactUpdate', 'artifactUpdate', 'statusUpdate']);
  const chunks = events.slice(2, 5).map((e) => e.artifactUpdate);
  assert.deepEqual(chunks.map((c) => c.append ?? false), [false, true, true]);
  assert.deepEqual(chunks.map((c) => c.lastChunk ?? false), [false, false, true]);
  assert.equal(events.at(-1).statusUpdate.status.state, 'TASK_STATE_COMPLETED');

  const task = await agent.getTask(events[0].task.id);
  assert.equal(task.status.state, 'TASK_STATE_COMPLETED');
  const assembled = await agent.assemble(events);
  assert.equal(assembled.artifacts[0].parts.map((p) => p.text).join(''), 'hello big world');
  assert.deepEqual(task.artifacts, assembled.artifacts);
  assert.ok((await agent.listTasks({ pageSize: 1 })).some((t) => t.id === task.id));
  await assert.rejects(agent.getTask('nope'), (e) => e instanceof errorClasses.task_not_found && e.code === '-32001');
});

test('subscribe mid-stream, cancel ends both streams, then typed errors', { skip: !installed }, async () => {
  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url);
  const first = agent.sendStreamingMessage({ text: words(60) })[Symbol.asyncIterator]();
  const opening = (await first.next()).value;
  const id = opening.task.id;
  for (let seen = 0; seen < 3; ) if (kind((await first.next()).value) === 'artifactUpdate') seen++;
  const second = agent.subscribeToTask(id)[Symbol.asyncIterator]();
  const snap = (await second.next()).value;
  assert.equal(snap.task.id, id);
  assert.equal(snap.task.status.state, 'TASK_STATE_WORKING');

  assert.equal((await agent.cancelTask(id)).status.state, 'TASK_STATE_CANCELED');
  for (const it of [first, second]) {
    let last;
    for (let r = await it.next(); !r.done; r = await it.next()) last = r.value;
    assert.equal(last.statusUpdate.status.state, 'TASK_STATE_CANCELED');
  }
  await assert.rejects(agent.cancelTask(id), (e) => {
    assert.ok(e instanceof errorClasses.task_not_cancelable, e.name);
    assert.equal(e.code, '-32002');
    assert.equal(e.details.data[0]['@type'], 'type.googleapis.com/google.rpc.ErrorInfo');
    return true;
  });
  await assert.rejects(async () => {
    for await (const _ of agent.subscribeToTask(id));
  }, (e) => e instanceof errorClasses.unsupported_operation);
});

test('no token is unauthorized; a rejected token costs one refresh and one retry', { skip: !installed }, async () => {
  const anonymous = await A2aClient.fromCard(new Client(agentOptions()), peer.url, { bearer: false });
  await assert.rejects(anonymous.getTask('x'), (e) => e instanceof AgenticStarError && e.kind === 'unauthorized' && e.status === 401);

  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url);
  await agent.listTasks();
  await emu.revokeAll(); // every token dies at the issuer, as an expired one does
  const before = await emu.counter('saas.token');
  await peer.reset();
  await agent.listTasks();
  assert.equal((await emu.counter('saas.token')) - before, 1);
  assert.deepEqual((await peer.requests()).map((r) => r.auth), ['invalid_token', 'ok']);
});

test('AbortSignal closes a stream and its connection', { skip: !installed }, async () => {
  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url);
  const { disconnects } = await peer.get('/_test/stats');
  const ac = new AbortController();
  const seen = [];
  for await (const e of agent.sendStreamingMessage({ text: words(60) }, { signal: ac.signal })) {
    seen.push(kind(e));
    if (kind(e) === 'artifactUpdate') ac.abort();
  }
  assert.equal(seen.at(-1), 'artifactUpdate');
  await eventually(async () => (await peer.get('/_test/stats')).disconnects > disconnects, 'the peer to see the disconnect');
});

test('the recorded exchange is the shared vector', { skip: !installed }, async () => {
  const agent = await A2aClient.fromCard(new Client(agentOptions()), peer.url, { record: true });
  const events = [];
  for await (const e of agent.sendStreamingMessage({ text: 'hello big world', messageId: 'msg-1' })) events.push(e);
  await agent.getTask(events[0].task.id);
  assert.deepEqual(await agent.recording(), vector.exchange);
});
