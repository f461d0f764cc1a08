// Latency of getToken() across a renewal, in Node (see bench/src/bin/renewal.rs for the plan).
// Usage: node bench/renewal/renewal.mjs EMULATOR_URL   (prints bench/run table rows)
import { setTimeout as sleep } from 'node:timers/promises';

// The debug build node/run-tests.sh leaves in node/dist (the release one of bench/node works too).
const { Client } = await import(process.env.AGENTICSTAR_NODE_PKG ?? new URL('../../node/dist/index.mjs', import.meta.url).href);

const url = process.argv[2];
const admin = (path, body) =>
  fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const summary = (v) => {
  v.sort((x, y) => x - y);
  if (v.length === 0) return 'no calls';
  const pick = (q) => v[Math.round((v.length - 1) * q)];
  const f = (ns) => (ns < 10_000 ? `${Math.round(ns)} ns` : `${(ns / 1000).toFixed(1)} µs`);
  return `p50 ${f(pick(0.5))} · p99 ${f(pick(0.99))} · max ${f(v.at(-1))} (${v.length} calls)`;
};

await admin('/admin/reset', {});
await admin('/admin/config', { token_lifetime_secs: 6 });
const client = new Client({ provider: { type: 'agenticstar', authUrl: url }, clientId: 'saas-cc-client', clientSecret: 'saas-cc-secret' });
const first = (await client.getToken()).accessToken;
const t0 = performance.now();
await admin('/admin/faults', { endpoint: 'saas.token', delay_ms: 2000 });
await sleep(2000);
const samples = [];
async function caller() {
  for (let at = performance.now() - t0; at < 5500; at = performance.now() - t0) {
    const s = process.hrtime.bigint();
    const t = await client.getToken();
    samples.push([at, Number(process.hrtime.bigint() - s), t.accessToken !== first]);
    if (samples.length % 64 === 0) await new Promise(setImmediate); // let the renewal's callback run
  }
}
await Promise.all(Array.from({ length: 8 }, caller));
const before = samples.filter((s) => s[0] < 3000).map((s) => s[1]);
const across = samples.filter((s) => s[0] >= 3000).map((s) => s[1]);
const renewed = samples.filter((s) => s[2]).length;
const requests = (await (await fetch(`${url}/admin/counters`)).json())['saas.token'];
const ok = requests === 2 && renewed > 0 ? 'PASS' : 'FAIL';
console.log(`| node: getToken() before the soft window (cached) | | | ${summary(before)} | |`);
console.log(
  `| node: getToken() across a renewal (token endpoint +2 s) | | | ${summary(across)}; ${renewed} calls got the new token; ${requests} token requests | max ≈ cached, 2 requests: ${ok} |`,
);
