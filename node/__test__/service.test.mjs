// The core surface through the generic Service glue, using the diagnostic `echo` service; and
// every wrapper's method table checked against the core's.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { AgenticStarError, Client, ConfigError, EchoService, Service, errorClasses, methodTableMismatch, serviceKinds, wrappers } from 'agenticstar';
import { createRequire } from 'node:module';
// The native loader is CommonJS (module.exports = the addon): named ESM imports cannot see its members.
const native = createRequire(import.meta.url)('../native/index.js');

import { saas, startEmulator } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

test('every core service kind has wrappers whose method tables match the core', () => {
  // Kinds whose wrappers their helpers are still writing; remove a kind when its wrapper lands.
  const pending = new Set([]);
  assert.deepEqual(new Set(Object.keys(wrappers)), new Set(serviceKinds.filter((k) => !pending.has(k))));
  for (const [kind, classes] of Object.entries(wrappers)) {
    const core = JSON.parse(native.serviceMethods(kind));
    for (const cls of classes) assert.deepEqual(methodTableMismatch(cls, core), { notInWrapper: [], notInCore: [], notImplemented: [] }, cls.name);
  }
});

test('every core error kind has its class', () => {
  assert.deepEqual(new Set(Object.keys(errorClasses)), new Set(native.errorKinds()));
});

test('calls and streams, with a trailing error', async () => {
  const s = await new Client(saas(emu.url)).service('echo', {}, EchoService);
  assert.ok(s instanceof Service);
  assert.deepEqual(new Set(s.methods().map((m) => m.name)), new Set(EchoService.METHODS));
  const args = { text: 'こんにちは', toolCallId: 't1', n: [1, 2.5, null, true] };
  assert.deepEqual(await s.echo(args), args);
  const got = [];
  await assert.rejects(async () => {
    for await (const item of s.count(600, { kind: 'stream_error', message: 'late' })) got.push(item.i);
  }, (e) => e instanceof errorClasses.stream_error && e.message === 'late');
  assert.deepEqual(got, [...Array(600).keys()]);
  await assert.rejects(s.call('no_such_method'), ConfigError);
  await s.close();
});

test('every kind crosses as its class, with details and retryAfter in ms', async () => {
  const s = await new Client(saas(emu.url)).service('echo');
  for (const kind of native.errorKinds()) {
    await assert.rejects(s.call('fail', { kind, status: 418, code: 'c', retryAfterMs: 1500, details: { data: [1] } }), (e) => {
      assert.ok(e instanceof AgenticStarError && e instanceof errorClasses[kind], `${kind}: ${e.name}`);
      assert.deepEqual([e.kind, e.status, e.code, e.retryAfter, e.details], [kind, 418, 'c', 1500, { data: [1] }]);
      return true;
    });
  }
});

test('AbortSignal ends a stream quietly; break closes it', async () => {
  const s = await new Client(saas(emu.url)).service('echo', {}, EchoService);
  const ac = new AbortController();
  const items = [];
  for await (const item of s.waitForever({ signal: ac.signal })) {
    items.push(item);
    ac.abort();
  }
  assert.deepEqual(items, [{ waiting: true }]);
  for await (const _ of s.waitForever()) break; // must not hang
});

test('unknown service kind is a ConfigError', async () => {
  await assert.rejects(new Client(saas(emu.url)).service('nope'), ConfigError);
});

test('error class names and parents follow the core table (the same names as Python)', async () => {
  const agenticstar = await import('agenticstar');
  const table = JSON.parse(native.errorClasses());
  const byKind = new Map(table.map((r) => [r.kind, r]));
  for (const row of table) {
    const cls = agenticstar[row.className];
    assert.ok(cls, `agenticstar lacks ${row.className} for kind ${row.kind}`);
    assert.equal(errorClasses[row.kind], cls, row.kind);
    const parent = row.parent ? agenticstar[byKind.get(row.parent).className] : AgenticStarError;
    assert.equal(Object.getPrototypeOf(cls), parent, `${row.className} should extend ${parent.name}`);
  }
});
