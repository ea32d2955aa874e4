// A real OpenID provider for the tests: oidc-provider (npm) on 127.0.0.1, configured from a JSON
// file, with a sign-in page of its own and signing keys that can be rotated while it runs.
//
//   node tests/oidc/provider.mjs CONFIG.json
//
// CONFIG.json (README.md beside this file has an example):
//   port              0 (default: any free port) or a given one
//   audience          the resource indicator access tokens are issued for: their `aud`
//   access_token_alg  "RS256" (default) or "ES256"
//   access_token_ttl  seconds (default 600)
//   clients           [{client_id, client_secret, redirect_uris}]
//   users             [{subject, name, groups, password}]
//
// Standard output, one line each:
//   http://127.0.0.1:PORT        the issuer, once it answers
//   keys KID KID ...             after a rotation: the kids now in the JWKS, signing ones first
//
// Signals: SIGUSR2 rotates (new RS256 and ES256 keys with new kids sign from now on; the previous
// ones stay in the JWKS for tokens already issued), SIGHUP retires every key but the current
// ones, SIGTERM stops. Either swaps in a new Provider behind the same HTTP server, so the issuer
// never changes; sessions, codes and tokens live in oidc-provider's shared memory store and survive it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';

import Provider from 'oidc-provider';

const configFile = process.argv[2];
if (!configFile) {
  console.error('usage: node provider.mjs CONFIG.json');
  process.exit(2);
}
const config = JSON.parse(fs.readFileSync(configFile, 'utf8'));
const users = new Map(config.users.map((u) => [u.subject, u]));
const audience = config.audience ?? 'permit-followup';
// The resource indicator access tokens are asked for by default. It must be an absolute URI; the
// tokens' `aud` is the configured audience, which need not be one (it may be a client_id).
const RESOURCE = 'urn:permit-followup:api';
const accessTokenAlg = config.access_token_alg ?? 'RS256';
const accessTokenTtl = config.access_token_ttl ?? 600;
// The same cookie keys for every Provider instance, so that a rotation keeps people signed in.
const cookieKeys = [crypto.randomBytes(32).toString('hex')];

let generation = 0;
// Signing keys, the current RS256 and ES256 pair first: oidc-provider signs with the first key of an alg.
let keys = [];

function newKeys() {
  generation += 1;
  const tag = `${generation}-${crypto.randomBytes(4).toString('hex')}`;
  const rsa = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  return [
    { ...rsa.export({ format: 'jwk' }), kid: `rs256-${tag}`, alg: 'RS256', use: 'sig' },
    { ...ec.export({ format: 'jwk' }), kid: `es256-${tag}`, alg: 'ES256', use: 'sig' },
  ];
}

function account(subject) {
  const user = users.get(subject);
  if (!user) return undefined;
  return {
    accountId: subject,
    claims: async () => ({ sub: subject, name: user.name, groups: user.groups }),
  };
}

function makeProvider(issuer) {
  const provider = new Provider(issuer, {
    clients: config.clients.map((c) => ({
      client_id: c.client_id,
      client_secret: c.client_secret,
      redirect_uris: c.redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    jwks: { keys },
    cookies: { keys: cookieKeys },
    claims: { openid: ['sub'], profile: ['name'], groups: ['groups'] },
    scopes: ['openid', 'profile', 'groups'],
    findAccount: (_ctx, subject) => account(subject),
    // Every user's groups, in access tokens as in ID tokens and userinfo.
    extraTokenClaims: (_ctx, token) => ({ groups: users.get(token.accountId)?.groups ?? [] }),
    // Everyone has agreed already: signing in is the only interaction (no consent page).
    loadExistingGrant: grantEverything,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    pkce: { required: () => true },
    ttl: { AccessToken: accessTokenTtl, IdToken: 3600, Interaction: 3600, Grant: 3600, Session: 3600 },
    features: {
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, indicator) => {
          if (indicator !== RESOURCE) throw new Provider.errors.InvalidTarget();
          return {
            scope: 'openid profile groups',
            audience,
            accessTokenTTL: accessTokenTtl,
            accessTokenFormat: 'jwt',
            jwt: { sign: { alg: accessTokenAlg } },
          };
        },
      },
    },
  });
  return provider;
}

async function grantEverything(ctx) {
  const { Grant } = ctx.oidc.provider;
  const grant = new Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
  const scope = [...ctx.oidc.requestParamScopes].join(' ');
  grant.addOIDCScope(scope);
  for (const indicator of Object.keys(ctx.oidc.resourceServers ?? {})) {
    grant.addResourceScope(indicator, scope);
  }
  await grant.save();
  return grant;
}

const escape = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, message) {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Sign in</title></head>
<body><main><h1>Sign in</h1>${message ? `<p role="alert">${escape(message)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="login">User</label> <input id="login" name="login" autocomplete="username" required>
<label for="password">Password</label> <input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Sign in</button>
</form></main></body></html>`;
}

async function readForm(req) {
  let body = '';
  for await (const chunk of req) {
    body += chunk;
    if (body.length > 16384) throw new Error('form too large');
  }
  return new URLSearchParams(body);
}

// The sign-in page: GET /interaction/UID shows the form, POST /interaction/UID/login checks the
// user and password and hands back to the provider (which redirects to the client with a code).
async function interaction(provider, req, res) {
  const details = await provider.interactionDetails(req, res);
  const send = (status, html) => {
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(html);
  };
  if (req.method === 'GET') return send(200, loginPage(details.uid));
  const form = await readForm(req);
  const user = users.get(form.get('login') ?? '');
  if (!user || user.password !== form.get('password')) {
    return send(401, loginPage(details.uid, 'Unknown user or wrong password.'));
  }
  return provider.interactionFinished(req, res, { login: { accountId: user.subject } });
}

let current; // {provider, callback}
const server = http.createServer((req, res) => {
  const { provider, callback } = current;
  if (req.url.startsWith('/interaction/')) {
    interaction(provider, req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`${err.name}: ${err.message}`);
    });
  } else {
    callback(req, res);
  }
});

// The provider behind the server: a new one with the keys as they are now.
function install(issuer) {
  const provider = makeProvider(issuer);
  current = { provider, callback: provider.callback() };
}

server.listen(config.port ?? 0, '127.0.0.1', () => {
  const issuer = `http://127.0.0.1:${server.address().port}`;
  keys = newKeys();
  install(issuer);
  console.log(issuer);

  const announce = () => console.log(`keys ${keys.map((k) => k.kid).join(' ')}`);
  process.on('SIGUSR2', () => {
    keys = [...newKeys(), ...keys];
    install(issuer);
    announce();
  });
  process.on('SIGHUP', () => {
    keys = keys.slice(0, 2);
    install(issuer);
    announce();
  });
});
process.on('SIGTERM', () => process.exit(0));
