/**
 * `oidc test`: what the tenant's provider announces, and whether it fits the stored connection —
 * discovery (exact issuer), JWKS, and the capabilities sign-in relies on.
 */
import type { AuthorizationServer } from 'oauth4webapi';
import type { ConnectionSettings } from './connection-settings.ts';
import { insecureAllowed } from './issuer-url.ts';
import { providerFetch } from './provider-fetch.ts';
import { ACCEPTED_ID_TOKEN_ALGS, HMAC_ID_TOKEN_ALGS } from './jwks.ts';
import { describe, discover } from './provider.ts';

/** The outcome of checking a provider: what was found, and problems that would break sign-in. */
export interface ProviderReport {
  ok: boolean;
  issuer: string;
  endpoints: Partial<Record<'authorization' | 'token' | 'userinfo' | 'jwks' | 'endSession', string>>;
  signingKeys: { kid: string | null; kty: string; alg: string | null }[];
  idTokenAlgs: string[];
  /** RFC 9207: whether the provider sends `iss` on the authorization response. */
  issParameter: boolean;
  problems: string[];
  notes: string[];
}

async function fetchKeys(uri: string, localDev: boolean): Promise<ProviderReport['signingKeys']> {
  const url = new URL(uri);
  if (url.protocol !== 'https:' && !insecureAllowed(url, localDev)) throw new Error(`jwks_uri ${uri} is not https`);
  const response = await providerFetch(localDev)(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(10_000) });
  if (!response.ok) throw new Error(`JWKS ${uri} answered ${response.status}`);
  const { keys } = (await response.json()) as { keys?: { kid?: string; kty: string; alg?: string; use?: string }[] };
  if (!Array.isArray(keys)) throw new Error(`JWKS ${uri} has no "keys" array`);
  return keys.filter((k) => k.use === undefined || k.use === 'sig').map((k) => ({ kid: k.kid ?? null, kty: k.kty, alg: k.alg ?? null }));
}

/** The ID token algs the provider may use (RS256 when it does not say, OIDC Discovery §3). */
function idTokenAlgs(as: AuthorizationServer): string[] {
  return as.id_token_signing_alg_values_supported ?? ['RS256'];
}

/** Whether the provider may sign ID tokens with a published key; one signing only with the client secret needs no JWKS. */
function signsWithKeys(as: AuthorizationServer): boolean {
  return idTokenAlgs(as).some((a) => (ACCEPTED_ID_TOKEN_ALGS as readonly string[]).includes(a));
}

function capabilityProblems(as: AuthorizationServer, settings: ConnectionSettings): { problems: string[]; notes: string[] } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (!as.authorization_endpoint) problems.push('no authorization_endpoint');
  if (!as.token_endpoint) problems.push('no token_endpoint');
  const authMethods = as.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  if (!authMethods.includes(settings.tokenAuthMethod)) problems.push(`token endpoint does not list ${settings.tokenAuthMethod} (it offers ${authMethods.join(', ')})`);
  const pkce = as.code_challenge_methods_supported;
  if (pkce && !pkce.includes('S256')) problems.push('PKCE S256 is not supported');
  const algs = idTokenAlgs(as);
  const hmac = algs.some((a) => (HMAC_ID_TOKEN_ALGS as readonly string[]).includes(a));
  if (!signsWithKeys(as) && !(hmac && settings.hmacIdTokens)) {
    problems.push(`no ${settings.hmacIdTokens ? 'asymmetric or HMAC' : 'asymmetric'} ID token algorithm among ${algs.join(', ')}${hmac ? ' (HMAC-signed ID tokens need --hmac-id-tokens on)' : ''}`);
  }
  if (!as.jwks_uri && signsWithKeys(as)) problems.push('no jwks_uri');
  const scopes = as.scopes_supported;
  const missing = scopes ? settings.scopes.split(' ').filter((s) => !scopes.includes(s)) : [];
  if (missing.length) notes.push(`scopes not announced by the provider: ${missing.join(', ')}`);
  notes.push(groupsNote(as, settings.groupsClaim));
  if (!as.end_session_endpoint) notes.push('no end_session_endpoint: logout ends only our session');
  if (!as.userinfo_endpoint) notes.push('no userinfo_endpoint: email and groups must be in the ID token');
  return { problems, notes };
}

/** Whether the groups claim (and so group → role mappings) will arrive at sign-in, and why. */
function groupsNote(as: AuthorizationServer, groupsClaim: string): string {
  if (as.scopes_supported?.includes('groups')) return `groups: sign-in asks for the "groups" scope, so the "${groupsClaim}" claim arrives in the ID token or from userinfo`;
  const where = as.userinfo_endpoint ? 'the ID token or userinfo' : 'the ID token (the provider has no userinfo endpoint)';
  const listed = as.claims_supported && !as.claims_supported.includes(groupsClaim) ? `; the provider does not list a "${groupsClaim}" claim at all` : '';
  return `groups: the provider announces no "groups" scope, so the "${groupsClaim}" claim arrives only if the app itself adds it to ${where} (Okta: the app's groups claim filter)${listed}; without it, group → role mappings never apply and people get the default role`;
}

/** groupsNote for a stored connection, for the setup page; a provider that cannot be reached says so. */
export async function groupsOutlook(issuer: string, groupsClaim: string, localDev: boolean): Promise<string> {
  try {
    return groupsNote(await discover(issuer, localDev), groupsClaim);
  } catch (err) {
    return `groups: could not be checked (discovery failed: ${describe(err)})`;
  }
}

/** Fetches discovery and JWKS for `settings.issuer` and reports what sign-in would meet. */
export async function checkProvider(settings: ConnectionSettings, localDev: boolean): Promise<ProviderReport> {
  const report: ProviderReport = { ok: false, issuer: settings.issuer, endpoints: {}, signingKeys: [], idTokenAlgs: [], issParameter: false, problems: [], notes: [] };
  let as: AuthorizationServer;
  try {
    as = await discover(settings.issuer, localDev);
  } catch (err) {
    report.problems.push(`discovery at ${settings.issuer}/.well-known/openid-configuration failed: ${describe(err)}`);
    return report;
  }
  report.endpoints = {
    authorization: as.authorization_endpoint,
    token: as.token_endpoint,
    userinfo: as.userinfo_endpoint,
    jwks: as.jwks_uri,
    endSession: as.end_session_endpoint,
  };
  report.idTokenAlgs = as.id_token_signing_alg_values_supported ?? [];
  report.issParameter = as.authorization_response_iss_parameter_supported === true;
  const { problems, notes } = capabilityProblems(as, settings);
  report.problems.push(...problems);
  report.notes.push(...notes);
  if (as.jwks_uri) {
    try {
      report.signingKeys = await fetchKeys(as.jwks_uri, localDev);
      if (report.signingKeys.length === 0 && signsWithKeys(as)) report.problems.push('the JWKS holds no signing keys');
    } catch (err) {
      report.problems.push(describe(err));
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}
