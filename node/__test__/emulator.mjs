// Test fixture: one emulator process per test file, driven over its admin API.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** The CLI that hosts the emulator; run-tests.sh builds it when missing. */
export const CLI = process.env.AGENTICSTAR_CLI ?? fileURLToPath(new URL('../../target/debug/agenticstar', import.meta.url));

export const SECRETS = ['saas-cc-secret', 'saas-app-secret', 'saas-mgmt-secret', 'mp-secret', 'dai-secret', 'wrapped-secret'];

export async function startEmulator() {
  if (!existsSync(CLI)) throw new Error(`emulator binary not found at ${CLI} (cargo build -p agenticstar-cli, or set AGENTICSTAR_CLI)`);
  // stdin stays an open pipe: closing it (or our exit) stops the emulator.
  const proc = spawn(CLI, ['emulator', '--port', '0', '--exit-on-stdin-close'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    const rl = createInterface({ input: proc.stdout });
    rl.once('line', (l) => { rl.close(); resolve(l); });
    proc.once('error', reject);
    proc.once('exit', (code) => reject(new Error(`emulator exited with ${code} before it was ready`)));
  });
  const { url } = JSON.parse(line);
  const admin = async (method, path, body) => {
    const r = await fetch(url + path, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!r.ok) throw new Error(`admin ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  return {
    url,
    counters: () => admin('GET', '/admin/counters'),
    counter: async (name) => (await admin('GET', '/admin/counters'))[name] ?? 0,
    reset: () => admin('POST', '/admin/reset'),
    fault: (f) => admin('POST', '/admin/faults', f),
    config: (c) => admin('POST', '/admin/config', c),
    revokeAll: () => admin('POST', '/admin/revoke', { all: true }),
    requests: (endpoint) => admin('GET', `/admin/requests?endpoint=${endpoint}`),
    close() {
      proc.stdin.end();
      proc.kill();
    },
  };
}

/** Poll `check` until it returns true; a deadline only so a broken test cannot hang. */
export async function eventually(check, what, deadlineMs = 10_000) {
  const end = Date.now() + deadlineMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const saas = (url, extra = {}) => ({
  provider: { type: 'agenticstar', authUrl: url },
  clientId: 'saas-cc-client',
  clientSecret: 'saas-cc-secret',
  apiUrl: url,
  ...extra,
});

export const user = (text) => ({ messages: [{ role: 'user', content: text }] });

/** The emulator approves at once: its redirect is the callback URL the browser would open. */
export async function approve(authorizeUrl) {
  const r = await fetch(authorizeUrl, { redirect: 'manual' });
  if (r.status !== 302) throw new Error(`authorize answered ${r.status}`);
  return r.headers.get('location');
}
