// ClientOptions are the core's: the defaults documented in types.ts are checked against the core's,
// durations are milliseconds, and the core validates (bad values and unknown keys are ConfigErrors).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';

import { Client, ConfigError } from 'agenticstar';

import { saas, startEmulator } from './emulator.mjs';

const native = createRequire(import.meta.url)('../native/index.js');
const core = JSON.parse(native.clientOptionDefaults());
const DURATIONS = new Set(['refreshWindow', 'timeout', 'connectTimeout', 'streamIdleTimeout', 'streamTimeout', 'initialBackoff', 'maxBackoff', 'maxRetryAfter', 'expirySkew', 'idTokenLeeway']);

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

test('every documented default in types.ts is the core default (durations in ms)', () => {
  const src = readFileSync(new URL('../src/types.ts', import.meta.url), 'utf8');
  const body = src.slice(src.indexOf('export interface ClientOptions'), src.indexOf('type Awaitable'));
  const documented = [...body.matchAll(/\/\*\*([^]*?)\*\/\s*(\w+)\?:/g)].map(([, doc, key]) => [key, doc.match(/\(default (\w+)/)?.[1]]);
  let checked = 0;
  for (const [key, shown] of documented) {
    if (shown === undefined || !/^\d+$|^true$|^false$/.test(shown)) continue;
    assert.ok(key in core, `${key} is not a core option`);
    const want = DURATIONS.has(key) ? core[key] * 1000 : core[key];
    assert.equal(String(want), shown, `${key}: types.ts says ${shown}, core says ${want}`);
    checked++;
  }
  assert.ok(checked >= 12, `only ${checked} defaults checked`);
  for (const key of DURATIONS) assert.ok(key in core, `${key} is not a core option`);
});

test('durations are milliseconds; the core rejects bad values and unknown keys', async () => {
  const c = new Client(saas(emu.url, { timeout: 15000, refreshWindow: 1000 }));
  assert.ok((await c.getToken()).accessToken);
  assert.throws(() => new Client(saas(emu.url, { timeout: -1 })), (e) => e instanceof ConfigError && /timeout/.test(e.message));
  assert.throws(() => new Client(saas(emu.url, { timeout: Number.NaN })), ConfigError);
  assert.throws(() => new Client(saas(emu.url, { timeoutMs: 5 })), (e) => e instanceof ConfigError && /timeoutMs/.test(e.message));
  assert.throws(() => new Client(saas(emu.url, { flow: 'implicit' })), ConfigError);
});
