// A second, independent OpenID Connect provider for HoSo's federated sign-in tests: the
// certified panva/oidc-provider, on loopback, with the accounts and clients the test gives it.
//
//   OUTSIDE_OIDC_PORT      port to listen on (127.0.0.1)
//   OUTSIDE_OIDC_ISSUER    issuer URL, e.g. http://127.0.0.1:PORT
//   OUTSIDE_OIDC_CLIENTS   JSON list of clients (client_id, client_secret, redirect_uris)
//   OUTSIDE_OIDC_ACCOUNTS  JSON object: login -> {sub, email, email_verified, name}
//
// Sign-in uses the library's development interactions (a login form taking any password for a
// known login); consent is pre-granted for openid, email and profile. ID tokens carry the scope
// claims (email, email_verified, name), as Google Workspace's do.
import Provider from 'oidc-provider';

const port = Number(process.env.OUTSIDE_OIDC_PORT || 0);
const issuer = process.env.OUTSIDE_OIDC_ISSUER || `http://127.0.0.1:${port}`;
const clients = JSON.parse(process.env.OUTSIDE_OIDC_CLIENTS || '[]').map((c) => ({
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  ...c,
}));
const accounts = JSON.parse(process.env.OUTSIDE_OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients,
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['hoso-outside-oidc-test-only'] },
  async findAccount(ctx, id) {
    const account = accounts[id];
    if (!account) return undefined;
    return { accountId: id, async claims() { return { ...account } } };
  },
  async loadExistingGrant(ctx) {
    const found = ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (found) return ctx.oidc.provider.Grant.find(found);
    const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
});

const server = provider.listen(port, '127.0.0.1', () => {
  process.stdout.write(`outside-oidc listening ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
