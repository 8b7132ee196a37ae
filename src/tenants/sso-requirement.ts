/**
 * Whether a tenant requires SSO: its people must sign in through its OpenID Provider, and the host
 * app refuses its other sign-in methods for them. Set with the connection (src/oidc/connection-store.ts,
 * which refuses it for a provider that does not check out); read here for the API and session tokens.
 */
import { eq } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { oidcConnections } from '../db/schema.ts';

/** True when the tenant's connection requires SSO; false without a connection. */
export async function ssoRequired(db: Database, tenantId: string): Promise<boolean> {
  const row = await db.select({ requireSso: oidcConnections.requireSso }).from(oidcConnections).where(eq(oidcConnections.tenantId, tenantId)).get();
  return row?.requireSso ?? false;
}
