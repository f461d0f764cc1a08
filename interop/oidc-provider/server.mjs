// A real third-party OIDC server (panva/oidc-provider, OpenID certified) for interop tests.
// It auto-approves the user "alice" so no browser is needed, and prints one JSON ready line:
// (device flow: the test still enters the user code on the provider's own /device pages)
//   {"ready": true, "url": "http://127.0.0.1:PORT"}
// Exits when stdin closes, so a test harness that dies takes it along.
import http from 'node:http';
import Provider from 'oidc-provider';

// stdout carries only the ready line; the provider's notices go to stderr.
console.log = console.info = console.warn = (...args) => console.error(...args);

const REDIRECT = 'http://127.0.0.1:7777/callback';
const DEVICE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';
const SHORT_DEVICE_TTL = 3;
const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
// ISSUER_HOST=localhost names the same server differently (issuer-mismatch tests).
const issuer = `http://${process.env.ISSUER_HOST || '127.0.0.1'}:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: 'interop-client',
      client_secret: 'interop-secret',
      grant_types: ['authorization_code', 'refresh_token', 'client_credentials', DEVICE_GRANT],
      response_types: ['code'],
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'openid offline_access profile email chat:exec',
    },
    {
      // Its device codes live SHORT_DEVICE_TTL seconds, for the expiry tests.
      client_id: 'interop-device-short',
      client_secret: 'interop-device-short-secret',
      grant_types: [DEVICE_GRANT, 'refresh_token'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_post',
      scope: 'openid offline_access',
    },
    {
      // A native app (RFC 8252): no secret, PKCE only.
      client_id: 'interop-public',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      redirect_uris: [REDIRECT],
      token_endpoint_auth_method: 'none',
      application_type: 'native',
      scope: 'openid offline_access chat:exec',
    },
    {
      client_id: 'interop-basic',
      client_secret: 'interop-basic-secret',
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'chat:exec',
    },
  ],
  cookies: { keys: ['interop-only-cookie-key'] },
  scopes: ['openid', 'offline_access', 'profile', 'email', 'chat:exec'],
  // Profile and email claims: oidc-provider keeps them out of the id_token when an access token
  // is issued (conformIdTokenClaims), so a client reads them at the userinfo endpoint.
  claims: { openid: ['sub'], profile: ['name'], email: ['email', 'email_verified'] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    deviceFlow: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    userinfo: { enabled: true },
  },
  pkce: { required: () => true },
  // Refresh tokens for every client allowed the grant, without the offline_access consent dance.
  issueRefreshToken: async (ctx, client) => client.grantTypeAllowed('refresh_token'),
  rotateRefreshToken: true,
  findAccount: async (ctx, id) => ({
    accountId: id,
    claims: async () => ({ sub: id, name: 'Alice', email: 'alice@example.com', email_verified: true }),
  }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: {
    AccessToken: 3600,
    ClientCredentials: 3600,
    IdToken: 3600,
    RefreshToken: 86400,
    DeviceCode: (ctx, token, client) => (client.clientId === 'interop-device-short' ? SHORT_DEVICE_TTL : 600),
  },
});
provider.on('server_error', (ctx, err) => console.error('server_error', err));

// Auto-approve: log "alice" in, then grant every requested scope.
async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { prompt, params, session } = details;
  if (prompt.name === 'login') {
    return provider.interactionFinished(req, res, { login: { accountId: 'alice' } }, { mergeWithLastSubmission: false });
  }
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope(String(params.scope || 'openid'));
  const grantId = await grant.save();
  return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const callback = provider.callback();
server.on('request', (req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.statusCode = 500;
      res.end(String(err));
    });
    return;
  }
  callback(req, res);
});

// The URL to reach the server at; it is the issuer unless ISSUER_HOST renamed it.
process.stdout.write(JSON.stringify({ ready: true, url: issuer, addr: `http://127.0.0.1:${server.address().port}` }) + '\n');
process.stdin.on('end', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.resume();
