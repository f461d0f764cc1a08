// Store errors reach the app: the `token_events` service's storeErrors() stream, with a real
// redis-server stopped under a client (non-strict: the token is still served; strict: the caller
// gets the error too), and with a store object that throws.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';

import { Client, StoreError, TokenEvents } from 'agenticstar';

import { saas, startEmulator } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

const canConnect = (port) =>
  new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' }, () => (c.end(), resolve(true)));
    c.on('error', () => resolve(false));
  });

/** A throwaway redis-server on loopback (run-tests.sh installs Debian's package). */
async function startRedis() {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'agenticstar-redis-'));
  const proc = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.once('error', (e) => assert.fail(`redis-server not found (node/run-tests.sh installs it): ${e}`));
  const deadline = Date.now() + 10_000;
  while (!(await canConnect(port))) {
    assert.ok(Date.now() < deadline, 'redis-server did not start');
    await sleep(50);
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: async () => {
      proc.kill('SIGKILL');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The next item of an async iterator, or a failure after 10 s. */
const next = (it) => Promise.race([it.next(), sleep(10_000).then(() => assert.fail('no store error arrived'))]);

for (const strict of [false, true]) {
  test(`redis stopped: the store error reaches the listener (strictStore: ${strict})`, async () => {
    const redis = await startRedis();
    try {
      const client = new Client({ ...saas(emu.url), tokenStore: { url: redis.url, timeoutMs: 300 }, strictStore: strict });
      const first = await client.getToken();
      const events = await client.tokenEvents();
      assert.ok(events instanceof TokenEvents);
      assert.deepEqual(new Set(events.methods().map((m) => m.name)), new Set(TokenEvents.METHODS));
      const it = events.storeErrors()[Symbol.asyncIterator]();
      await redis.stop();
      if (strict) {
        await assert.rejects(client.getToken({ forceRefresh: true }), (e) => e instanceof StoreError && e.kind === 'store');
      } else {
        const renewed = await client.getToken({ forceRefresh: true }); // the in-process cache carries on
        assert.notEqual(renewed.accessToken, first.accessToken);
      }
      const { value: err, done } = await next(it);
      assert.equal(done, false);
      assert.ok(err instanceof StoreError, String(err));
      assert.ok(['lease', 'load', 'save'].includes(err.details.operation), JSON.stringify(err.details));
      assert.ok(!err.message.includes(first.accessToken));
      await it.return();
      await events.close();
    } finally {
      await redis.stop().catch(() => {});
    }
  });
}

test('a store object that throws: the error reaches the listener, the token is served', async () => {
  const store = { load: () => null, save: () => { throw new Error('disk full'); } };
  const client = new Client({ ...saas(emu.url), tokenStore: store });
  const events = await client.tokenEvents();
  const stream = events.storeErrors();
  const it = stream[Symbol.asyncIterator]();
  assert.ok((await client.getToken()).accessToken);
  const { value: err } = await next(it);
  assert.ok(err instanceof StoreError);
  assert.deepEqual(err.details, { operation: 'save' });
  stream.abort();
  assert.deepEqual(await it.next(), { value: undefined, done: true });
});
