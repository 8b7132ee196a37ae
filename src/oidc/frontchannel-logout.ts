/**
 * OpenID Connect Front-Channel Logout 1.0, relying-party side. When the person signs out at the
 * provider (Okta's "Single Logout"), it loads our URI in a hidden iframe with `iss` and `sid`
 * (§2). That load is cross-site, so our SameSite=Lax session cookie is not sent: the sessions
 * are found by (tenant, issuer, sid) in the sid index written at sign-in. We require `sid`
 * (`frontchannel_logout_session_required`, §3): without it nothing says which sessions to end.
 *
 * The URI is per tenant, like the initiate-login URI: each tenant is one app at the provider and
 * registers its own URI there, so the path names the tenant, `iss` is compared with that one
 * tenant's issuer (no search across tenants by issuer), the answer can be framed by exactly that
 * issuer's origin, and a tenant sharing an Okta org with another is signed out only through its
 * own app's logout, never through a neighbour's.
 */
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { deleteProviderSessions } from '../sessions/session-store.ts';
import { auditInsert } from '../audit/audit-log.ts';
import { loadSignInSetup } from './connection-store.ts';

/** The front-channel logout URI's path for tenant `slug` (register it in the tenant's Okta app). */
export function frontChannelLogoutPath(slug: string): string {
  return `/auth/${slug}/frontchannel-logout`;
}

/** The longest `sid` we keep at sign-in or accept at logout; real ones are far shorter. */
export const MAX_SID_LENGTH = 512;

/** The ID token's `sid` claim (Front-Channel Logout 1.0 §3) when it is a usable string, else undefined. */
export function sidClaim(claims: Readonly<Record<string, unknown>>): string | undefined {
  const { sid } = claims;
  return typeof sid === 'string' && sid.length > 0 && sid.length <= MAX_SID_LENGTH ? sid : undefined;
}

/** The query the provider sends (§2): its issuer and its session id. */
export interface FrontChannelLogoutRequest {
  iss: string;
  sid: string;
}

/** What the logout did, for the response: the log's reference, and the origin allowed to frame it. */
export interface FrontChannelLogoutOutcome {
  reference: string;
  /** The tenant's issuer origin; undefined for an unknown tenant or one without SSO. */
  frameAncestor: string | undefined;
  ended: number;
}

/**
 * Ends the tenant's sessions signed in under the provider session (`iss`, `sid`) and audits each.
 * Idempotent and silent about why nothing ended (unknown tenant, issuer or sid): the reason is
 * only logged, under the returned reference.
 */
export async function frontChannelLogout(env: Env, slug: string, request: FrontChannelLogoutRequest): Promise<FrontChannelLogoutOutcome> {
  const reference = crypto.randomUUID();
  const log = (reason: string, level: 'info' | 'warn' = 'warn') => console[level](`[oidc ${reference}] front-channel logout for "${slug}": ${reason}`);
  const db = database(env.DB);
  const setup = await loadSignInSetup(db, { slug });
  const issuer = setup?.connection?.issuer;
  if (!setup || !issuer) {
    log(setup ? 'the tenant has no OIDC connection; nothing ended' : 'unknown tenant; nothing ended');
    return { reference, frameAncestor: undefined, ended: 0 };
  }
  const outcome = { reference, frameAncestor: new URL(issuer).origin, ended: 0 };
  if (request.iss !== issuer) {
    log(`iss "${request.iss}" is not the tenant's issuer "${issuer}"; nothing ended`);
    return outcome;
  }
  const ended = await deleteProviderSessions(env.SESSIONS, { tenantId: setup.tenant.id, issuer, sid: request.sid });
  const [first, ...rest] = ended.map((record) =>
    auditInsert(db, { tenantId: record.tenantId, actor: 'oidc', action: 'signout', resourceType: 'User', resourceId: record.userId, outcome: 'success', detail: 'front-channel logout by the provider' }),
  );
  if (first) await db.batch([first, ...rest]);
  if (ended.length) log(`ended ${ended.length} session(s) of user(s) ${ended.map((r) => r.userId).join(', ')}`, 'info');
  else log('no live session has this sid; nothing ended');
  return { ...outcome, ended: ended.length };
}

/**
 * Headers of every front-channel answer: never cached (§2), and framable by the provider's origin
 * only (CSP frame-ancestors), or by no one when the tenant has no provider.
 */
export function frontChannelHeaders(frameAncestor: string | undefined): Record<string, string> {
  return {
    'cache-control': 'no-cache, no-store',
    pragma: 'no-cache',
    'content-security-policy': `frame-ancestors ${frameAncestor ?? "'none'"}`,
  };
}
