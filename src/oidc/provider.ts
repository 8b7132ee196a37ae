/**
 * One tenant's OpenID Provider as oauth4webapi sees it: discovery (cached per isolate, by the
 * document's Cache-Control), the client, its token-endpoint authentication, and the transport
 * options (timeouts; plain http only for loopback issuers in local development).
 */
import * as oauth from 'oauth4webapi';
import { PageError } from '../http/errors.ts';
import { cacheSeconds } from './cache-control.ts';
import type { OidcConnection } from './connection-settings.ts';
import { BoundedMap } from '../common/bounded-map.ts';
import { insecureAllowed, issuerProblem } from './issuer-url.ts';
import { providerFetch, providerHostProblem } from './provider-fetch.ts';

/** Seconds of clock difference tolerated on `exp`, `iat` and `nbf` (OIDC Core §3.1.3.7). */
export const CLOCK_TOLERANCE_SECONDS = 30;
const HTTP_TIMEOUT_MS = 10_000;

/** Everything a sign-in step needs to talk to the provider. */
export interface Provider {
  as: oauth.AuthorizationServer;
  client: oauth.Client;
  http: Transport;
}

/** The transport options shared by every oauth4webapi request, GET or POST alike. */
export type Transport = Pick<oauth.HttpRequestOptions<'GET'>, 'signal' | typeof oauth.allowInsecureRequests> & {
  [oauth.customFetch]: (url: string, options: RequestInit) => Promise<Response>;
};

/** Options for every oauth4webapi request to `issuer`. */
export function httpOptions(issuer: string, localDev: boolean): Transport {
  return {
    signal: () => AbortSignal.timeout(HTTP_TIMEOUT_MS),
    [oauth.customFetch]: providerFetch(localDev),
    ...(insecureAllowed(new URL(issuer), localDev) ? { [oauth.allowInsecureRequests]: true } : {}),
  };
}

/** Discovery documents by issuer, at most this many per isolate. */
const discovered = new BoundedMap<string, { as: oauth.AuthorizationServer; expiresAt: number }>(500);

/** The endpoints discovery names that we fetch or send browsers to: none may name an internal host (outside local development). */
export function endpointsProblem(as: oauth.AuthorizationServer, localDev: boolean): string | undefined {
  if (localDev) return undefined;
  for (const endpoint of [as.authorization_endpoint, as.token_endpoint, as.userinfo_endpoint, as.jwks_uri, as.end_session_endpoint]) {
    if (endpoint === undefined || !URL.canParse(endpoint)) continue;
    const problem = providerHostProblem(new URL(endpoint));
    if (problem) return `discovery names ${endpoint}: ${problem}`;
  }
  return undefined;
}

/**
 * The provider's metadata from `{issuer}/.well-known/openid-configuration`, whose `issuer` must
 * equal ours exactly (OIDC Discovery §4.3). Cached for its max-age (1 min – 1 h, default 10 min).
 */
export async function discover(issuer: string, localDev: boolean): Promise<oauth.AuthorizationServer> {
  const problem = issuerProblem(issuer, localDev);
  if (problem) throw new Error(problem);
  const cached = discovered.get(issuer);
  if (cached && cached.expiresAt > Date.now()) return cached.as;
  const url = new URL(issuer);
  const response = await oauth.discoveryRequest(url, { ...httpOptions(issuer, localDev), algorithm: 'oidc' });
  const as = await oauth.processDiscoveryResponse(url, response);
  const endpoints = endpointsProblem(as, localDev);
  if (endpoints) throw new Error(endpoints);
  discovered.set(issuer, { as, expiresAt: Date.now() + cacheSeconds(response, 600, 60, 3600) * 1000 });
  return as;
}

/** How the token request authenticates the client, with the secret opened for it (src/oidc/connection-store.ts). */
export function clientAuth(connection: OidcConnection, clientSecret: string | undefined): oauth.ClientAuth {
  if (connection.tokenAuthMethod === 'none') return oauth.None();
  if (clientSecret === undefined) throw new Error(`tenant ${connection.tenantId}: ${connection.tokenAuthMethod} without a client secret`);
  return connection.tokenAuthMethod === 'client_secret_post' ? oauth.ClientSecretPost(clientSecret) : oauth.ClientSecretBasic(clientSecret);
}

/** The tenant's provider, ready for a sign-in step; discovery failures become a sign-in error. */
export async function tenantProvider(connection: OidcConnection, localDev: boolean): Promise<Provider> {
  let as: oauth.AuthorizationServer;
  try {
    as = await discover(connection.issuer, localDev);
  } catch (err) {
    throw new PageError(502, 'Your identity provider could not be reached or is misconfigured. Please try again later or contact your administrator.', `discovery of ${connection.issuer} failed: ${describe(err)}`);
  }
  const client: oauth.Client = { client_id: connection.clientId, [oauth.clockTolerance]: CLOCK_TOLERANCE_SECONDS };
  return { as, client, http: httpOptions(connection.issuer, localDev) };
}

/** A one-line description of an oauth4webapi/jose/fetch failure for the log, with its code. */
export function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: unknown }).code;
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${typeof code === 'string' ? `${code} ` : ''}${err.message}${cause}`;
}
