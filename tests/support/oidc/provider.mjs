// A real OpenID provider on loopback for the SSO tests: `node provider.mjs config.json`.
//
// config.json: {"clients": [{client_id, client_secret, redirect_uris}], "accounts": {"<login>":
// {email, email_verified, name, groups}}}. It listens on a free port of 127.0.0.1 and prints one
// line, {"issuer": "http://127.0.0.1:<port>"}. Its dev interaction page takes any account's login
// with any password.
//
// Misbehaviour, for the relying party's failure paths: PUT /test/mode/<mode> re-signs every
// later ID token the token endpoint hands out:
//   honest          as issued
//   wrong_audience  aud is the second client's id
//   expired         issued and expired an hour ago
//   bad_signature   signed by a key the JWKS does not hold (same kid)
//   wrong_nonce     a nonce the relying party never sent
import { readFileSync } from 'node:fs';
import http from 'node:http';

import { SignJWT, decodeJwt, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const MODES = new Set(['honest', 'wrong_audience', 'expired', 'bad_signature', 'wrong_nonce']);
const KID = 'stagewright-test';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));

async function signingKey() {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: KID, alg: 'RS256', use: 'sig' };
}

const jwk = await signingKey();
const rogueJwk = await signingKey();
let mode = 'honest';

const server = http.createServer();
await new Promise((resolve) => { server.listen(0, '127.0.0.1', resolve); });
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    ...client,
  })),
  jwks: { keys: [jwk] },
  cookies: { keys: ['stagewright-test-cookie-key'] },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
    groups: ['groups'],
  },
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  async findAccount(_ctx, id) {
    const account = config.accounts[id];
    if (!account) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...account }) };
  },
});

async function resign(idToken) {
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'wrong_audience') claims.aud = config.clients[1].client_id;
  if (mode === 'expired') Object.assign(claims, { iat: now - 7200, exp: now - 3600 });
  if (mode === 'wrong_nonce') claims.nonce = 'a-nonce-nobody-sent';
  const key = await importJWK(mode === 'bad_signature' ? rogueJwk : jwk, 'RS256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: KID }).sign(key);
}

provider.use(async (ctx, next) => {
  const switched = /^\/test\/mode\/(\w+)$/.exec(ctx.path);
  if (switched && ctx.method === 'PUT') {
    ctx.status = MODES.has(switched[1]) ? 204 : 400;
    if (ctx.status === 204) [, mode] = switched;
    return;
  }
  await next();
  if (ctx.path === '/token' && mode !== 'honest' && ctx.body?.id_token) {
    ctx.body = { ...ctx.body, id_token: await resign(ctx.body.id_token) };
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
