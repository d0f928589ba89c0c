// A real OpenID Connect provider for Hearth's single sign-on tests (the certified oidc-provider
// package). Configuration comes as JSON in HEARTH_TEST_OIDC (port, clients, accounts by login);
// the built-in development login and consent pages are the interactions a browser goes through.
// Prints "ready <issuer>" once it listens.
import Provider from 'oidc-provider';

const config = JSON.parse(process.env.HEARTH_TEST_OIDC);
const issuer = `http://127.0.0.1:${config.port}`;
const accounts = config.accounts;

const provider = new Provider(issuer, {
  clients: config.clients.map((client) => ({
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    ...client,
  })),
  pkce: { required: () => true },
  scopes: ['openid', 'email', 'profile', 'groups'],
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name', 'preferred_username'],
    groups: ['groups'],
  },
  cookies: { keys: ['hearth-test-provider-cookie-key'] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`ready ${issuer}\n`);
});
