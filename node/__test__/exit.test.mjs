// No leaked handles: scripts that use the SDK and return let Node exit by itself.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { startEmulator } from './emulator.mjs';

const NODE_DIR = fileURLToPath(new URL('..', import.meta.url));
let emu;
before(async () => (emu = await startEmulator()));
after(() => emu.close());

/**
 * Run `code` in a child Node with no explicit exit. The deadline only keeps a hang from blocking
 * the suite: a script that leaks a handle (a strong callback, a pending timer) hits it and fails.
 */
function run(code, { type = 'module', deadline = 30_000 } = {}) {
  return new Promise((resolve) => {
    const args = type === 'module' ? ['--input-type=module', '-e', code] : ['-e', code];
    execFile(process.execPath, args, { cwd: NODE_DIR, timeout: deadline, env: { ...process.env, EMU: emu.url } }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.killed ? 'killed by the deadline' : err.code) : 0, stdout, stderr }),
    );
  });
}

const setup = `
  import { Client } from 'agenticstar';
  const url = process.env.EMU;
  const saved = new Map();
  const client = new Client({
    provider: { type: 'agenticstar', authUrl: url }, clientId: 'saas-cc-client', clientSecret: 'saas-cc-secret', apiUrl: url,
    tokenStore: { load: async (k) => saved.get(k), save: async (k, t) => void saved.set(k, t) },
    onToken: () => {},
  });
`;

test('stream a reply and return: the process exits by itself', async () => {
  const r = await run(`${setup}
    let text = '';
    for await (const c of client.chat.stream({ messages: [{ role: 'user', content: 'bye' }] })) text += c.choices[0]?.delta.content ?? '';
    console.log(text);`);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /You said: bye/);
});

test('break out of a slow stream, or never read one: the process exits', async () => {
  await emu.config({ chunk_delay_ms: 300 });
  try {
    const r = await run(`${setup}
      for await (const c of client.chat.stream({ messages: [{ role: 'user', content: 'a long message for many chunks' }] })) break;
      client.chat.stream({ messages: [{ role: 'user', content: 'never read' }] });
      const ac = new AbortController();
      const s = client.chat.stream({ messages: [{ role: 'user', content: 'aborted' }] }, { signal: ac.signal });
      setTimeout(() => ac.abort(), 50);
      for await (const _ of s);
      console.log('done');`);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /done/);
  } finally {
    await emu.reset();
  }
});

test('CommonJS users: require() works and the process exits', async () => {
  const r = await run(
    `const { Client, InvalidClientError } = require('agenticstar');
     const c = new Client({ provider: { type: 'agenticstar', authUrl: process.env.EMU }, clientId: 'x', clientSecret: 'y', maxRetries: 0 });
     c.getToken().catch((e) => console.log(e instanceof InvalidClientError, e.kind));`,
    { type: 'commonjs' },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'true invalid_client');
});

test('the typed example (README quick start) runs against the emulator and exits', async () => {
  // Type-checking it is run-tests.sh's job (tsc --noEmit --strict); here it is only transpiled.
  const ts = createRequire(import.meta.url)('typescript');
  const src = readFileSync(new URL('../examples/typed-example.ts', import.meta.url), 'utf8');
  const { outputText } = ts.transpileModule(src, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } });
  // Inside node/, so `require('agenticstar')` resolves to this package by its own name.
  mkdirSync(new URL('../.test-out/', import.meta.url), { recursive: true });
  const file = fileURLToPath(new URL('../.test-out/typed-example.cjs', import.meta.url));
  writeFileSync(file, outputText);
  const r = await new Promise((resolve) =>
    execFile(process.execPath, [file], { cwd: NODE_DIR, timeout: 30_000, env: { ...process.env, AGENTICSTAR_URL: emu.url } }, (err, stdout, stderr) =>
      resolve({ code: err ? (err.killed ? 'killed by the deadline' : err.code) : 0, stdout, stderr }),
    ),
  );
  assert.equal(r.code, 0, r.stderr + r.stdout);
  assert.match(r.stdout, /You said: Hello from TypeScript/);
  assert.match(r.stdout, /finish: stop/);
  assert.match(r.stdout, /signed in as alice@example.com/);
  assert.match(r.stdout, /InvalidClientError/);
});

test('with a logger set (and AGENTICSTAR_LOG): the process exits, records on stderr', async () => {
  await emu.fault({ endpoint: 'saas.token', status: 503, body: { error: 'temporarily_unavailable' }, times: 1 });
  const code = `${setup}
    import { setLogger } from 'agenticstar';
    const seen = [];
    setLogger((r) => seen.push(r.level), { level: 'debug' });
    await client.getToken();
    await new Promise((r) => setImmediate(r));
    console.log(seen.includes('warn') ? 'logged' : 'nothing');`;
  const r = await run(code);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /logged/);
  await emu.fault({ endpoint: 'saas.token', status: 503, body: { error: 'temporarily_unavailable' }, times: 1 });
  const viaEnv = await new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', `${setup} await client.getToken();`],
      { cwd: NODE_DIR, timeout: 30_000, env: { ...process.env, EMU: emu.url, AGENTICSTAR_LOG: 'info' } },
      (err, stdout, stderr) => resolve({ code: err ? err.code ?? 'killed' : 0, stderr }));
  });
  assert.equal(viaEnv.code, 0, viaEnv.stderr);
  assert.match(viaEnv.stderr, /agenticstar warn: .*retry 1/);
  assert.doesNotMatch(viaEnv.stderr, /saas-cc-secret/);
});

test("the README's sign-in snippet runs as written and exits", async () => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const [code] = readme.split('```ts').slice(1).map((b) => b.split('```')[0]).filter((b) => b.includes('completeAuthorization(request, callbackUrl)'));
  assert.ok(code, 'the snippet is in the README');
  const r = await new Promise((resolve) => {
    execFile(process.execPath, ['--input-type=module', '-e', code],
      { cwd: NODE_DIR, timeout: 30_000, env: { ...process.env, AGENTICSTAR_URL: emu.url } },
      (err, stdout, stderr) => resolve({ code: err ? err.code ?? 'killed' : 0, stdout, stderr }));
  });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^signed in as \S+@\S+/);
});
