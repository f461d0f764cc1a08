// A fleet worker for core/tests/fleet.rs: many concurrent getToken() callers in one process.
// Reads its JSON config from AGENTICSTAR_FLEET_WORKER and prints one `FLEET-RESULT {json}` line
// (calls, errors, token fingerprint -> first seen in ms), exactly like the Rust and Python workers.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';

import { Client } from 'agenticstar';

const cfg = JSON.parse(process.env.AGENTICSTAR_FLEET_WORKER);
const provider =
  cfg.provider === 'keycloak'
    ? { type: 'keycloak', baseUrl: cfg.authUrl, realm: cfg.realm }
    : { type: 'agenticstar', authUrl: cfg.authUrl };
const client = new Client({
  provider,
  clientId: cfg.clientId,
  clientSecret: cfg.clientSecret,
  flow: cfg.flow,
  storeKey: cfg.storeKey,
  tokenStore: cfg.tokenStore, // a redis:// URL or an options object: core interprets it
});
const start = performance.now();
let calls = 0;
const errors = [];
const tokens = {};

async function caller() {
  while (performance.now() - start < cfg.runMs) {
    try {
      const t = await client.getToken();
      const fp = createHash('sha256').update(t.accessToken).digest('hex').slice(0, 16);
      if (!(fp in tokens)) tokens[fp] = Math.round(performance.now() - start);
    } catch (e) {
      errors.push(`${e.kind}: ${e.message}`);
    }
    calls += 1;
    await sleep(cfg.pauseMs);
  }
}

await Promise.all(Array.from({ length: cfg.callers }, caller));
console.log(`FLEET-RESULT ${JSON.stringify({ calls, errors: errors.slice(0, 20), tokens })}`);
