/**
 * A real OpenID Provider (the `oidc-provider` package) configured like an Okta org: `00u…`
 * subjects, a `groups` claim in the ID token, discovery, JWKS, RFC 9207 `iss`, RP-initiated
 * logout, and three clients (Basic, Post, public PKCE). Runs in Node on 127.0.0.1; the sign-in
 * page is a plain form (`login` = username), so both a test and a browser can drive it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { closeServer, listenOnLoopback, readBody } from './node-http.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from './okta-fixtures.ts';

export interface RunningOp {
  issuer: string;
  close(): Promise<void>;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
}

function loginPage(uid: string, hint: string, error = ''): string {
  return `<!doctype html><meta charset="utf-8"><title>Okta sign-in</title><h1>Sign in to Acme (test Okta)</h1>${error ? `<p id="error">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login"><label>Username <input id="okta-signin-username" name="login" value="${escapeHtml(hint)}"></label>
<label>Password <input id="okta-signin-password" name="password" type="password"></label><button id="okta-signin-submit" type="submit">Sign in</button></form>`;
}

/**
 * Starts the provider on 127.0.0.1 (ephemeral port). `issuerHost` names the host in the issuer
 * (`localhost` keeps its cookies apart from a Worker on 127.0.0.1); `appOrigins` are the Worker
 * origins whose `/auth/callback` and `/auth/logged-out` are registered.
 */
export async function startOktaLikeOp(options: { appOrigins: string[]; issuerHost?: string }): Promise<RunningOp> {
  const server: Server = createServer();
  const port = await listenOnLoopback(server);
  const issuer = `http://${options.issuerHost ?? '127.0.0.1'}:${port}`;
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const signingKey = { ...(await exportJWK(privateKey)), kid: 'okta-key-1', use: 'sig', alg: 'RS256' };

  const redirect_uris = options.appOrigins.map((o) => `${o}/auth/callback`);
  const post_logout_redirect_uris = options.appOrigins.map((o) => `${o}/auth/logged-out`);
  const configuration: Configuration = {
    clients: Object.values(OKTA_CLIENTS).map((c) => ({
      client_id: c.clientId,
      ...(c.clientSecret ? { client_secret: c.clientSecret } : {}),
      token_endpoint_auth_method: c.tokenAuthMethod,
      redirect_uris,
      post_logout_redirect_uris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
    })),
    // Like an Okta app's groups claim filter: `groups` comes with `openid`, no extra scope needed.
    claims: {
      openid: ['sub', 'groups'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    // Profile and email ride in the ID token too, as in Okta's ID tokens from the token endpoint.
    conformIdTokenClaims: false,
    scopes: ['openid', 'email', 'profile'],
    jwks: { keys: [signingKey] },
    cookies: { keys: ['okta-like-op-cookie-key'] },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource: async (ctx: { body: string }, form: string) => {
          ctx.body = `<!doctype html><title>Sign out</title>${form}<button type="submit" form="op.logoutForm" name="logout" value="yes">Yes, sign me out</button>`;
        },
      },
    },
    ttl: { Interaction: 600, Session: 3600, Grant: 3600, AccessToken: 600, IdToken: 600 },
    pkce: { required: () => true },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async findAccount(_ctx, sub) {
      const account = OKTA_ACCOUNTS.find((a) => a.sub === sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: async () => ({
          sub,
          email: account.email,
          email_verified: true,
          name: `${account.givenName} ${account.familyName}`,
          given_name: account.givenName,
          family_name: account.familyName,
          preferred_username: account.login,
          groups: account.groups,
        }),
      };
    },
  };
  const provider = new Provider(issuer, configuration);
  const callback = provider.callback();

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const match = /^\/interaction\/([^/?]+)(\/login)?/.exec(req.url ?? '');
    if (!match) return void callback(req, res);
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (req.method === 'GET') {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(loginPage(details.uid, String(details.params.login_hint ?? '')));
          return;
        }
        const login = new URLSearchParams(await readBody(req)).get('login')?.toLowerCase() ?? '';
        const account = OKTA_ACCOUNTS.find((a) => a.login === login || a.sub === login);
        if (!account) {
          res.setHeader('content-type', 'text/html; charset=utf-8');
          res.end(loginPage(details.uid, login, 'Unknown user'));
          return;
        }
        const grant = new provider.Grant({ accountId: account.sub, clientId: String(details.params.client_id) });
        grant.addOIDCScope(String(details.params.scope));
        const grantId = await grant.save();
        await provider.interactionFinished(req, res, { login: { accountId: account.sub }, consent: { grantId } }, { mergeWithLastSubmission: false });
      } catch (err) {
        res.statusCode = 400;
        res.end(`interaction failed: ${(err as Error).message}`);
      }
    })();
  });

  return {
    issuer,
    close: () => closeServer(server),
  };
}
