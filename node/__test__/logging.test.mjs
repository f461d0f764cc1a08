// The core's log stream through setLogger: a retry and a renewal, with no secret in any record.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import { Client, setLogger } from 'agenticstar';

import { SECRETS, saas, startEmulator } from './emulator.mjs';

let emu;
before(async () => (emu = await startEmulator()));
after(() => {
  setLogger(null);
  return emu.close();
});

const tick = () => new Promise((r) => setImmediate(r));

test('a retry and a renewal reach the logger without secrets', async () => {
  const records = [];
  setLogger((r) => records.push(r), { level: 'debug' });
  await emu.fault({ endpoint: 'saas.token', status: 503, body: { error: 'temporarily_unavailable' }, times: 1 });
  const client = new Client({ ...saas(emu.url), initialBackoff: 10 });
  const first = await client.getToken();
  await emu.revokeAll();
  assert.equal((await client.request('GET', '/v1/me')).json().client_id, 'saas-cc-client');
  const second = await client.getToken();
  assert.notEqual(second.accessToken, first.accessToken);
  await tick();
  const text = records.map((r) => `${r.level} ${r.module} ${r.message}`).join('\n');
  assert.ok(records.some((r) => r.level === 'warn' && /retry 1/.test(r.message)), text);
  assert.ok(records.some((r) => r.level === 'info' && /renewing the token/.test(r.message)), text);
  assert.ok(records.some((r) => r.level === 'debug' && r.module.startsWith('agenticstar::')), text);
  for (const s of [...SECRETS, first.accessToken, second.accessToken]) assert.ok(!text.includes(s), `a secret was logged: ${text}`);

  // A higher level filters in core; null stops the stream.
  records.length = 0;
  setLogger((r) => records.push(r), { level: 'warn' });
  await client.getToken({ forceRefresh: true });
  setLogger(null);
  await emu.fault({ endpoint: 'saas.token', status: 503, body: { error: 'temporarily_unavailable' }, times: 1 });
  await client.getToken({ forceRefresh: true });
  await tick();
  assert.deepEqual(records.filter((r) => r.level !== 'warn' && r.level !== 'error'), []);
  assert.ok(!records.some((r) => /retry 1/.test(r.message)), 'nothing after setLogger(null)');
  assert.throws(() => setLogger(() => {}, { level: 'loud' }));
});
