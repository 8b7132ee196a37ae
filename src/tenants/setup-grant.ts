/**
 * The setup cookie: what the first visit trades the link's key for, so the key leaves the address
 * bar. Sealed like the sign-in attempt cookie (AES-GCM under SECRETS_KEY, its own purpose), named
 * and bound per tenant, at most an hour long and never beyond the link. It only says which link
 * opened the page: the link itself is checked in D1 on every request, so revocation is immediate.
 */
import { open, seal } from '../common/secret-box.ts';

/** A setup cookie lives at most this long (the IT admin opens the link again for more). */
export const SETUP_GRANT_MAX_SECONDS = 3600;

/** What the sealed cookie carries. */
export interface SetupGrant {
  tenantId: string;
  linkId: string;
  /** Epoch milliseconds. */
  expiresAt: number;
}

/** The cookie name (without `__Host-`) for tenant `slug`: one per tenant, so two setups in one browser do not collide. */
export function setupCookieName(slug: string): string {
  return `eid_setup_${slug}`;
}

/** A grant for `linkId` until the earlier of an hour from now and the link's own expiry. */
export function grantFor(tenantId: string, linkId: string, linkExpiresAt: string, nowMs = Date.now()): SetupGrant {
  return { tenantId, linkId, expiresAt: Math.min(nowMs + SETUP_GRANT_MAX_SECONDS * 1000, Date.parse(linkExpiresAt)) };
}

/** The sealed cookie value of `grant` for tenant `slug` (its cookie name is the sealed context). */
export function sealSetupGrant(secretsKey: string, slug: string, grant: SetupGrant): Promise<string> {
  return seal(secretsKey, 'setup-grant', JSON.stringify(grant), setupCookieName(slug));
}

/** The grant sealed in `cookieValue` for tenant `slug` if it opens and has not expired; undefined otherwise. */
export async function openSetupGrant(secretsKey: string, slug: string, cookieValue: string, nowMs = Date.now()): Promise<SetupGrant | undefined> {
  const json = await open(secretsKey, 'setup-grant', cookieValue, setupCookieName(slug));
  if (json === undefined) return undefined;
  const grant = JSON.parse(json) as SetupGrant;
  return grant.expiresAt > nowMs ? grant : undefined;
}
