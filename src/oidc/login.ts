/**
 * Starting a sign-in (OIDC Core §3.1.2.1): a fresh state, nonce and PKCE (S256) verifier sealed
 * into the attempt cookie, and the provider's authorization URL to redirect to.
 */
import * as oauth from 'oauth4webapi';
import type { Config } from '../config.ts';
import { PageError } from '../http/errors.ts';
import type { SignInSetup } from './connection-store.ts';
import { insecureAllowed } from './issuer-url.ts';
import { LOGIN_TTL_SECONDS, loginCookieName, sealLoginAttempt, type LoginAttempt } from './login-state.ts';
import { tenantProvider } from './provider.ts';

/** The one redirect URI for every tenant (the tenant travels in the attempt cookie). */
export const CALLBACK_PATH = '/auth/callback';
const GROUPS_SCOPE = 'groups';

/** Where to send the browser, and the attempt cookie to set on the way. */
export interface LoginRedirect {
  location: string;
  cookie: { name: string; value: string; maxAge: number };
}

/** What a sign-in link for an unknown tenant, or one without SSO, shows: one page, so links do not reveal which tenants exist. */
export const NO_SIGN_IN_HERE = 'Single sign-on is not available for this organization here. Please check the sign-in link, or contact your administrator.';

/** The tenant's connection, or the 404 page when the tenant has no SSO set up. */
export function requireConnection(setup: SignInSetup) {
  if (!setup.connection) throw new PageError(404, NO_SIGN_IN_HERE, `tenant ${setup.tenant.slug} has no OIDC connection`);
  return setup.connection;
}

/**
 * The scopes to ask for: the connection's, plus `groups` when the provider announces that scope
 * (Okta's org server sends the groups claim only then); without it the claim may still come from
 * the app's own groups claim, or from userinfo, which the callback reads when the ID token lacks it.
 */
export function requestedScopes(scopes: string, as: Pick<oauth.AuthorizationServer, 'scopes_supported'>): string {
  const asked = scopes.split(' ');
  return as.scopes_supported?.includes(GROUPS_SCOPE) && !asked.includes(GROUPS_SCOPE) ? `${scopes} ${GROUPS_SCOPE}` : scopes;
}

/** Builds the authorization request for `setup`'s provider; `returnTo` must already be a safe path. */
export async function startLogin(config: Config, setup: SignInSetup, options: { origin: string; returnTo: string; loginHint?: string | undefined }): Promise<LoginRedirect> {
  const connection = requireConnection(setup);
  const { localDev } = config;
  const { as } = await tenantProvider(connection, localDev);
  if (!as.authorization_endpoint) throw new PageError(502, 'Your identity provider is misconfigured.', `${as.issuer} announces no authorization_endpoint`);
  const endpoint = new URL(as.authorization_endpoint);
  if (endpoint.protocol !== 'https:' && !insecureAllowed(endpoint, localDev)) {
    throw new PageError(502, 'Your identity provider is misconfigured.', `authorization_endpoint ${endpoint.href} is not https`);
  }
  const attempt: LoginAttempt = {
    attemptId: crypto.randomUUID(),
    tenantId: setup.tenant.id,
    issuer: connection.issuer,
    state: oauth.generateRandomState(),
    nonce: oauth.generateRandomNonce(),
    codeVerifier: oauth.generateRandomCodeVerifier(),
    returnTo: options.returnTo,
    expiresAt: Date.now() + LOGIN_TTL_SECONDS * 1000,
  };
  const params = endpoint.searchParams;
  params.set('client_id', connection.clientId);
  params.set('redirect_uri', options.origin + CALLBACK_PATH);
  params.set('response_type', 'code');
  params.set('scope', requestedScopes(connection.scopes, as));
  params.set('state', attempt.state);
  params.set('nonce', attempt.nonce);
  params.set('code_challenge', await oauth.calculatePKCECodeChallenge(attempt.codeVerifier));
  params.set('code_challenge_method', 'S256');
  if (options.loginHint) params.set('login_hint', options.loginHint);
  return {
    location: endpoint.href,
    cookie: { name: loginCookieName(attempt.state), value: await sealLoginAttempt(config.secretsKey, attempt), maxAge: LOGIN_TTL_SECONDS },
  };
}
