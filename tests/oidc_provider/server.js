// A real OpenID provider for the sign-in tests: panva's oidc-provider (certified), configured strictly.
// Started by tests/oidc_provider/__init__.py on a free port; its settings come from the environment.
import Provider from 'oidc-provider';

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    console.error(`${name} is not set`);
    process.exit(2);
  }
  return value;
};

const port = Number(env('OIDC_TEST_PORT'));
const issuer = `http://127.0.0.1:${port}`;

// Two accounts share one e-mail: only one of them says it is verified.
// `drifter` answers UserInfo with another subject than its ID token (a misbehaving provider).
// Any other login name is a verified account <name>@example.com, so each test can have its own person.
const ACCOUNTS = {
  ada: { email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace' },
  'ada-unverified': { email: 'ada@example.com', email_verified: false, name: 'Not Ada' },
};

function claimsOf(id) {
  return ACCOUNTS[id] || { email: `${id}@example.com`, email_verified: true, name: `Person ${id}` };
}

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: env('OIDC_TEST_CLIENT_ID'),
      client_secret: env('OIDC_TEST_CLIENT_SECRET'),
      redirect_uris: [env('OIDC_TEST_REDIRECT_URI')],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  responseTypes: ['code'],
  pkce: { required: () => true },
  claims: {
    openid: ['sub'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  cookies: { keys: [env('OIDC_TEST_COOKIE_KEY')] },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    // The provider sets UserInfo's `sub` from the account id it finds here: `drifter` turns into someone else.
    const accountId = id === 'drifter' && ctx.oidc.route === 'userinfo' ? 'someone-else' : id;
    return {
      accountId,
      async claims() {
        return { sub: accountId, ...claimsOf(id) };
      },
    };
  },
});

provider.listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider listening on ${issuer}`);
});
