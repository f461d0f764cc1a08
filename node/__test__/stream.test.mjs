// Chat: for await, the onDelta form, accumulation, chat.create, and cancellation seen by the server.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';

import { ChatStream, Client, StreamDecodeError, StreamTruncatedError, UnexpectedResponseError } from 'agenticstar';

import { eventually, saas, startEmulator, user } from './emulator.mjs';

let emu;
let client;
before(async () => (emu = await startEmulator()));
after(() => emu.close());
beforeEach(async () => {
  await emu.reset(); // forgets issued tokens too: hence a new client
  client = new Client(saas(emu.url));
});

const REPLY = 'こんにちは！🌸 You said: hello';
const text = (chunk) => chunk.choices[0]?.delta.content ?? '';

test('for await yields OpenAI-shaped chunks; the stream accumulates text, finish reason and usage', async () => {
  const stream = client.chat.stream({ ...user('hello'), stream_options: { include_usage: true } });
  assert.ok(stream instanceof ChatStream);
  const chunks = [];
  for await (const chunk of stream) chunks.push(chunk);
  assert.equal(chunks[0].choices[0].delta.role, 'assistant');
  assert.equal(chunks.map(text).join(''), REPLY);
  assert.ok(chunks.filter((c) => text(c)).length > 3, 'the reply came in pieces');
  assert.equal(chunks.at(-2).choices[0].finish_reason, 'stop');
  assert.deepEqual(chunks.at(-1).choices, []);
  // The exact wire shape, whether a chunk crossed in the compact or the whole form.
  const { id, created } = chunks[0];
  assert.match(id, /^chatcmpl-/);
  assert.deepEqual(chunks[0], { id, model: 'AGENTIC STAR', created, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }], usage: null });
  assert.deepEqual(chunks[1], { id, model: 'AGENTIC STAR', created, choices: [{ index: 0, delta: { content: 'こんにち' }, finish_reason: null }], usage: null });
  assert.deepEqual(chunks.at(-2), { id, model: 'AGENTIC STAR', created, choices: [{ index: 0, delta: {}, finish_reason: 'stop' }], usage: null });
  assert.equal(chunks.at(-1).usage.total_tokens > 0, true);
  assert.equal(stream.text, REPLY);
  assert.equal(stream.finishReason, 'stop');
  assert.equal(stream.usage.completion_tokens > 0, true);
  const completion = stream.completion();
  assert.equal(completion.choices[0].message.content, REPLY);
  assert.equal(completion.choices[0].message.role, 'assistant');
  assert.equal(await emu.counter('chat.completed'), 1);
});

test('model and extra fields are sent as given', async () => {
  for await (const _ of client.chat.stream({ ...user('x'), model: 'custom-model', temperature: 0.5, stream: false }));
  const [req] = await emu.requests('chat.completions');
  assert.equal(req.json.model, 'custom-model');
  assert.equal(req.json.temperature, 0.5);
  assert.equal(req.json.stream, true, 'stream is the SDK\'s to set');
});

test('onDelta callback form with finalCompletion()', async () => {
  const deltas = [];
  const completion = await client.chat.stream(user('hello'), { onDelta: (d, chunk) => deltas.push([d, chunk]) }).finalCompletion();
  assert.equal(deltas.map(([d]) => d).join(''), REPLY);
  assert.ok(deltas.every(([, c]) => Array.isArray(c.choices)));
  assert.equal(completion.choices[0].message.content, REPLY);
  assert.equal(completion.choices[0].finish_reason, 'stop');
});

test('keep-alives and split UTF-8 sequences do not show', async () => {
  await emu.config({ keepalive_every: 1, chunk_chars: 1 });
  await emu.fault({ endpoint: 'chat.completions', stream: 'split_utf8' });
  assert.equal((await client.chat.stream(user('hello')).finalCompletion()).choices[0].message.content, REPLY);
});

test('chat.create returns the whole completion', async () => {
  const c = await client.chat.create(user('hello'));
  assert.equal(c.choices[0].message.content, REPLY);
  assert.equal(c.choices[0].finish_reason, 'stop');
  assert.equal(c.model, 'AGENTIC STAR');
  assert.ok(c.usage.total_tokens > 0);
});

test('break closes the connection at once (server counts a disconnect)', async () => {
  await emu.config({ chunk_delay_ms: 200 });
  let n = 0;
  for await (const chunk of client.chat.stream(user('a long enough message to take many chunks'))) {
    if (text(chunk) && ++n === 1) break;
  }
  await eventually(async () => (await emu.counter('chat.disconnects')) === 1, 'a disconnect');
  assert.equal(await emu.counter('chat.completed'), 0);
});

test('AbortSignal during a pending read ends the iteration quietly and closes the connection', async () => {
  await emu.fault({ endpoint: 'chat.completions', stream: 'never_end', after_chunks: 1 });
  const ac = new AbortController();
  const stream = client.chat.stream(user('hello'), { signal: ac.signal });
  const got = [];
  for await (const chunk of stream) {
    got.push(chunk);
    if (text(chunk)) setTimeout(() => ac.abort(), 20); // the loop is blocked in a read when this fires
  }
  assert.ok(got.some(text), 'received the first content chunk');
  assert.equal(stream.text.length > 0, true, 'partial text stays available');
  await eventually(async () => (await emu.counter('chat.disconnects')) === 1, 'a disconnect');
  await assert.rejects(stream.finalCompletion(), { name: 'AbortError' });
});

test('an already aborted signal yields nothing; chat.create rejects with the reason', async () => {
  const ac = new AbortController();
  ac.abort();
  const chunks = [];
  for await (const c of client.chat.stream(user('x'), { signal: ac.signal })) chunks.push(c);
  assert.deepEqual(chunks, []);
  await assert.rejects(client.chat.create(user('x'), { signal: ac.signal }), { name: 'AbortError' });
});

test('aborting chat.create in flight rejects with signal.reason', async () => {
  await emu.fault({ endpoint: 'chat.completions', delay_ms: 30_000 });
  const ac = new AbortController();
  const reason = new Error('user gave up');
  const p = client.chat.create(user('x'), { signal: ac.signal });
  await eventually(async () => (await emu.counter('chat.completions')) === 1, 'the request');
  ac.abort(reason);
  await assert.rejects(p, (e) => e === reason);
});

test('abort() on the stream and toReadableStream cancellation close the connection', async () => {
  await emu.config({ chunk_delay_ms: 200 });
  const s = client.chat.stream(user('a long enough message to take many chunks'));
  for await (const chunk of s) if (text(chunk)) s.abort();
  await eventually(async () => (await emu.counter('chat.disconnects')) === 1, 'first disconnect');

  const reader = client.chat.stream(user('a long enough message to take many chunks')).toReadableStream().getReader();
  assert.ok(Array.isArray((await reader.read()).value.choices));
  await reader.cancel();
  await eventually(async () => (await emu.counter('chat.disconnects')) === 2, 'second disconnect');
});

test('a stream can be iterated once', async () => {
  const s = client.chat.stream(user('x'));
  for await (const _ of s);
  await assert.rejects(async () => {
    for await (const _ of s);
  }, /already iterated/);
});

test('a stream error is thrown by the iteration, after the chunks that came before it', async () => {
  await emu.fault({ endpoint: 'chat.completions', stream: 'disconnect', after_chunks: 2 });
  const got = [];
  await assert.rejects(async () => {
    for await (const c of client.chat.stream(user('hello'))) got.push(text(c));
  }, StreamTruncatedError);
  assert.ok(got.join('').length > 0);
});

test('an exception in the loop body hangs up too', async () => {
  await emu.config({ chunk_delay_ms: 200 });
  await assert.rejects(async () => {
    for await (const c of client.chat.stream(user('a long enough message to take many chunks'))) if (text(c)) throw new Error('consumer bug');
  }, /consumer bug/);
  await eventually(async () => (await emu.counter('chat.disconnects')) === 1, 'a disconnect');
});

// A hostile server's deep nesting is a typed error, never a stack overflow that kills the process.
test('a deeply nested answer is a typed error, not a stack overflow', async () => {
  const deep = '['.repeat(100_000);
  await emu.fault({ endpoint: 'saas.token', status: 200, content_type: 'application/json', body: deep });
  await assert.rejects(client.getToken(), UnexpectedResponseError);
  const chunk = `data: {"choices":[{"index":0,"delta":{"content":${deep}\n\n`;
  await emu.fault({ endpoint: 'chat.completions', replay: { chunks: [chunk, 'data: [DONE]\n\n'] } });
  await assert.rejects(client.chat.stream(user('hi')).finalCompletion(), StreamDecodeError);
});
