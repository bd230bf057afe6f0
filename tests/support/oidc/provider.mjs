// A real OpenID Connect provider for baocao's sign-in tests: oidc-provider
// (OpenID certified) with its development login form, test accounts that
// carry CCCD, phone and e-mail claims, and consent granted at once.
//
//   node provider.mjs --port P --redirect URL --client-id ID --client-secret S
//
// Prints "ready" when it listens. POST /_test/misbehave?mode=M makes the
// next token response carry a bad ID token, re-signed with the provider's
// own key where the check under test is not the signature:
//   tamper   - a claim changed after signing (the signature no longer matches)
//   nonce    - another nonce
//   audience - issued to another client
//   expired  - expired an hour ago
import http from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import { generateKeyPair, exportJWK, SignJWT, decodeJwt } from 'jose';

const { values: args } = parseArgs({
  options: {
    port: { type: 'string' },
    redirect: { type: 'string' },
    'client-id': { type: 'string' },
    'client-secret': { type: 'string' },
  },
});

const accounts = {
  'an.nguyen': { name: 'Nguyễn Văn An', cccd: '001099012345', phone_number: '0912345678', email: 'an.nguyen@hungyen.gov.vn' },
  'binh.tran': { name: 'Trần Thị Bình', cccd: '033188004321', phone_number: '0987654321', email: 'binh.tran@hungyen.gov.vn' },
  'cuong.le': { name: 'Lê Văn Cường', cccd: '034077001111', phone_number: '0901234567', email: 'cuong.le@hungyen.gov.vn' },
};

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: 'test-key', alg: 'RS256', use: 'sig' };
const issuer = `http://127.0.0.1:${args.port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: args['client-id'],
    client_secret: args['client-secret'],
    redirect_uris: [args.redirect],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  }],
  jwks: { keys: [jwk] },
  claims: { openid: ['sub'], profile: ['name', 'cccd'], email: ['email'], phone: ['phone_number'] },
  features: { devInteractions: { enabled: true } },
  pkce: { required: () => true },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
  // No consent screen: the test accounts grant what the client asks.
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid profile email phone');
    await grant.save();
    return grant;
  },
});

let misbehave = null;

async function spoil(idToken) {
  const mode = misbehave;
  misbehave = null;
  if (mode === 'tamper') {
    const [header, payload, signature] = idToken.split('.');
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    claims.sub = 'binh.tran';
    return [header, Buffer.from(JSON.stringify(claims)).toString('base64url'), signature].join('.');
  }
  const claims = decodeJwt(idToken);
  const now = Math.floor(Date.now() / 1000);
  if (mode === 'nonce') claims.nonce = 'not-the-nonce-that-was-sent';
  if (mode === 'audience') claims.aud = 'another-client';
  if (mode === 'expired') { claims.iat = now - 7200; claims.exp = now - 3600; }
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: 'test-key', typ: 'JWT' }).sign(privateKey);
}

provider.use(async (ctx, next) => {
  await next();
  if (misbehave && ctx.path === '/token' && ctx.body && ctx.body.id_token) {
    ctx.body = { ...ctx.body, id_token: await spoil(ctx.body.id_token) };
  }
});

const callback = provider.callback();
const server = http.createServer((req, res) => {
  const url = new URL(req.url, issuer);
  if (req.method === 'POST' && url.pathname === '/_test/misbehave') {
    misbehave = url.searchParams.get('mode');
    res.writeHead(204).end();
    return;
  }
  callback(req, res);
});
server.listen(Number(args.port), '127.0.0.1', () => console.log('ready'));
