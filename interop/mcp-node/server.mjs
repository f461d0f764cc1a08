// The official TypeScript MCP SDK (@modelcontextprotocol/sdk 1.32.2) as a test peer: legacy era
// only (initialize + sessions), StreamableHTTPServerTransport with the SDK's InMemoryEventStore
// and a retry interval, behind a bearer check that asks the agenticstar emulator.
// Usage: node server.mjs EMULATOR_URL   → prints {"url": ".../mcp"} when listening.
// GET /_requests lists every request to /mcp (method, headers without authorization, body, t ms).
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { InMemoryEventStore } from '@modelcontextprotocol/sdk/examples/shared/inMemoryEventStore.js';
import { z } from 'zod';

const EMU = process.argv[2];
const RETRY_MS = 400;
const log = [];
const transports = new Map();
let base = '';

function newServer() {
  const server = new McpServer({ name: 'node-peer', version: '1.0.0' });
  server.registerTool('add', { description: 'Add two integers', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }, extra) => {
      const token = extra._meta?.progressToken;
      if (token !== undefined) {
        await extra.sendNotification({ method: 'notifications/progress', params: { progressToken: token, progress: 1, total: 2 } });
      }
      return { content: [{ type: 'text', text: String(a + b) }], structuredContent: { result: a + b } };
    });
  // Cuts its POST stream after the priming event; the result arrives later through the event store.
  server.registerTool('resumable', { description: 'Answer after the stream was cut', inputSchema: {} },
    async (_args, extra) => {
      extra.closeSSEStream?.();
      log.push({ cut: Date.now() });
      await new Promise((r) => setTimeout(r, 100));
      return { content: [{ type: 'text', text: 'resumed-result' }] };
    });
  server.registerResource('hello', 'greeting://hello', { mimeType: 'text/plain' },
    async (uri) => ({ contents: [{ uri: uri.href, text: 'Hello, world' }] }));
  server.registerPrompt('review', { description: 'Review code', argsSchema: { code: z.string() } },
    ({ code }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Please review: ${code}` } }] }));
  return server;
}

async function authorized(req) {
  const auth = req.headers.authorization;
  if (!auth) return false;
  const r = await fetch(`${EMU}/v1/me`, { headers: { authorization: auth } });
  if (r.status !== 200) return false;
  const me = await r.json();
  return me.scope.split(' ').includes('mcp:all') && me.resource === `${base}/mcp`;
}

async function readBody(req) {
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const raw = Buffer.concat(chunks).toString('utf8');
  return raw ? JSON.parse(raw) : undefined;
}

const httpServer = http.createServer(async (req, res) => {
  try {
    const url = new URL(req.url, base);
    if (url.pathname === '/_requests') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(log));
      return;
    }
    if (url.pathname === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ resource: `${base}/mcp`, authorization_servers: [`${EMU}/federation/auth/v1`], scopes_supported: ['mcp:all'] }));
      return;
    }
    if (url.pathname !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    const body = req.method === 'POST' ? await readBody(req) : undefined;
    const headers = { ...req.headers };
    delete headers.authorization;
    log.push({ method: req.method, headers, body, t: Date.now() });
    if (!(await authorized(req))) {
      res.writeHead(401, {
        'www-authenticate': `Bearer error="invalid_token", resource_metadata="${base}/.well-known/oauth-protected-resource/mcp", scope="mcp:all"`,
        'content-type': 'application/json',
      }).end(JSON.stringify({ error: 'invalid_token' }));
      return;
    }
    const sid = req.headers['mcp-session-id'];
    let transport = sid ? transports.get(sid) : undefined;
    if (!transport) {
      if (sid || req.method !== 'POST' || !isInitializeRequest(body)) {
        const status = sid ? 404 : 400;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({
          jsonrpc: '2.0', id: null,
          error: { code: sid ? -32001 : -32000, message: sid ? 'Session not found' : 'Bad Request: Server not initialized' },
        }));
        return;
      }
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        eventStore: new InMemoryEventStore(),
        retryInterval: RETRY_MS,
        onsessioninitialized: (id) => transports.set(id, transport),
      });
      transport.onclose = () => { if (transport.sessionId) transports.delete(transport.sessionId); };
      await newServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  } catch (e) {
    if (!res.headersSent) res.writeHead(500).end(String(e));
  }
});

httpServer.listen(0, '127.0.0.1', () => {
  base = `http://127.0.0.1:${httpServer.address().port}`;
  console.log(JSON.stringify({ url: `${base}/mcp`, retryMs: RETRY_MS }));
});
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
