// Client options from the AGENTICSTAR_* variables (the CLI's names), explicit options winning.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { Client, ConfigError, InvalidClientError } from 'agenticstar';

import { startEmulator } from './emulator.mjs';

const VARS = ['AGENTICSTAR_PROVIDER', 'AGENTICSTAR_AUTH_URL', 'AGENTICSTAR_REALM', 'AGENTICSTAR_API_URL',
  'AGENTICSTAR_CLIENT_ID', 'AGENTICSTAR_CLIENT_SECRET', 'AGENTICSTAR_SCOPE', 'AGENTICSTAR_TOKEN_FILE'];

let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(async () => {
  await emu.reset();
  // process.env writes reach the real environment, which the core reads.
  for (const k of VARS) delete process.env[k];
  Object.assign(process.env, {
    AGENTICSTAR_AUTH_URL: emu.url,
    AGENTICSTAR_API_URL: emu.url,
    AGENTICSTAR_CLIENT_ID: 'saas-cc-client',
    AGENTICSTAR_CLIENT_SECRET: 'saas-cc-secret',
    AGENTICSTAR_SCOPE: 'chat:all',
  });
});

test('the environment builds a working client', async () => {
  const client = new Client();
  assert.deepEqual((await client.getToken()).scopes, ['chat:all']);
  const reply = await client.chat.create({ messages: [{ role: 'user', content: 'hi' }] });
  assert.match(reply.choices[0].message.content, /You said: hi$/);
});

test('explicit options win', async () => {
  assert.deepEqual((await new Client({ scope: 'openid' }).getToken()).scopes, ['openid']);
  await assert.rejects(new Client({ clientSecret: 'wrong' }).getToken(), InvalidClientError);
  // Another application does not take the variable's secret along.
  await assert.rejects(new Client({ clientId: 'saas-mgmt-client' }).getToken());
  process.env.AGENTICSTAR_AUTH_URL = 'http://127.0.0.1:9';
  const explicit = new Client({ provider: { type: 'agenticstar', authUrl: emu.url } });
  assert.deepEqual((await explicit.getToken()).scopes, ['chat:all']);
});

test('a missing provider names the variable', () => {
  delete process.env.AGENTICSTAR_AUTH_URL;
  process.env.AGENTICSTAR_PROVIDER = 'oidc';
  assert.throws(() => new Client(), (e) => e instanceof ConfigError && /AGENTICSTAR_AUTH_URL/.test(e.message));
});
