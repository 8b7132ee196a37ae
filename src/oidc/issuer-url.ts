/**
 * Which OpenID Provider URLs we talk to: https always, never to an internal host (provider-fetch.ts);
 * http only to a loopback host while local development is on (`LOCAL_DEV=true` under `npm start`
 * and in tests), never in production.
 */
import { providerHostProblem } from './provider-fetch.ts';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether `url` names this machine. */
export function isLoopback(url: URL): boolean {
  return LOOPBACK_HOSTS.has(url.hostname);
}

/** Whether plain-http requests to `url` may be made (oauth4webapi's `allowInsecureRequests`). */
export function insecureAllowed(url: URL, localDev: boolean): boolean {
  return localDev && url.protocol === 'http:' && isLoopback(url);
}

/** Why `issuer` cannot be a tenant's issuer, or undefined when it can (OIDC Discovery §2). */
export function issuerProblem(issuer: string, localDev: boolean): string | undefined {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `issuer "${issuer}" is not a URL`;
  }
  if (url.search || url.hash) return `issuer "${issuer}" must not have a query or fragment`;
  if (url.username || url.password) return `issuer "${issuer}" must not contain credentials`;
  if (url.protocol === 'https:') return localDev ? undefined : providerHostProblem(url) && `issuer "${issuer}": ${providerHostProblem(url)}`;
  if (insecureAllowed(url, localDev)) return undefined;
  if (url.protocol === 'http:' && isLoopback(url)) return `issuer "${issuer}" uses http://, allowed only in local development (LOCAL_DEV=true)`;
  return `issuer "${issuer}" must use https://`;
}

/**
 * Whether a third-party-initiated login's `iss` (OIDC Core §4) names the tenant's provider: the
 * issuer exactly, or — for an Okta custom authorization server (`https://org/oauth2/{id}`) — the
 * org itself, which an Okta app tile may name instead. Either way the login then goes to the
 * configured issuer, never to `iss`.
 */
export function initiatingIssuerMatches(iss: string, issuer: string): boolean {
  if (iss === issuer) return true;
  const url = new URL(issuer);
  return /^\/oauth2\/[^/]+$/.test(url.pathname) && iss === url.origin;
}
