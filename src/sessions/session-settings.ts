/** A tenant's session timeouts, set by the operator (`oidc sessions`); read at each sign-in. */
import { eq } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import { requireTenant, TenantStoreError, type Tenant } from '../tenants/tenant-store.ts';

const MIN_SECONDS = 5 * 60;
const MAX_ABSOLUTE_SECONDS = 30 * 86_400;

/**
 * Sets the idle and/or absolute timeout of tenant `slug`'s sessions (omitted = unchanged); idle
 * must not exceed absolute. Sessions already running keep the timeouts they started with.
 */
export async function setSessionTimeouts(db: Database, slug: string, change: { idleSeconds?: number; absoluteSeconds?: number }): Promise<Tenant> {
  const tenant = await requireTenant(db, slug);
  const idleSeconds = change.idleSeconds ?? tenant.sessionIdleSeconds;
  const absoluteSeconds = change.absoluteSeconds ?? tenant.sessionAbsoluteSeconds;
  if (idleSeconds < MIN_SECONDS || absoluteSeconds < MIN_SECONDS) throw new TenantStoreError('session timeouts must be at least 5 minutes');
  if (absoluteSeconds > MAX_ABSOLUTE_SECONDS) throw new TenantStoreError('the absolute session timeout can be at most 30 days');
  if (idleSeconds > absoluteSeconds) throw new TenantStoreError(`the idle timeout (${idleSeconds} s) cannot exceed the absolute timeout (${absoluteSeconds} s)`);
  await db.update(tenants).set({ sessionIdleSeconds: idleSeconds, sessionAbsoluteSeconds: absoluteSeconds, updatedAt: now() }).where(eq(tenants.id, tenant.id));
  return { ...tenant, sessionIdleSeconds: idleSeconds, sessionAbsoluteSeconds: absoluteSeconds };
}
