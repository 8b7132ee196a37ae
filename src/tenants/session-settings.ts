/** A tenant's session timeouts, set by the operator (`oidc sessions`); read at each sign-in. */
import { eq } from 'drizzle-orm';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { now, type Database } from '../db/client.ts';
import { tenants } from '../db/schema.ts';
import type { Tenant } from './tenant-store.ts';
import { StoreError } from '../http/errors.ts';

const MIN_SECONDS = 5 * 60;
const MAX_ABSOLUTE_SECONDS = 30 * 86_400;

/**
 * Sets the idle and/or absolute timeout of the tenant's sessions (omitted = unchanged); idle
 * must not exceed absolute. Sessions already running keep the timeouts they started with.
 */
export async function setSessionTimeouts(db: Database, tenant: Tenant, change: { idleSeconds?: number; absoluteSeconds?: number }, actor: AuditActor = 'cli'): Promise<Tenant> {
  const idleSeconds = change.idleSeconds ?? tenant.sessionIdleSeconds;
  const absoluteSeconds = change.absoluteSeconds ?? tenant.sessionAbsoluteSeconds;
  if (idleSeconds < MIN_SECONDS || absoluteSeconds < MIN_SECONDS) throw new StoreError('session timeouts must be at least 5 minutes');
  if (absoluteSeconds > MAX_ABSOLUTE_SECONDS) throw new StoreError('the absolute session timeout can be at most 30 days');
  if (idleSeconds > absoluteSeconds) throw new StoreError(`the idle timeout (${idleSeconds} s) cannot exceed the absolute timeout (${absoluteSeconds} s)`);
  await db.batch([
    db.update(tenants).set({ sessionIdleSeconds: idleSeconds, sessionAbsoluteSeconds: absoluteSeconds, updatedAt: now() }).where(eq(tenants.id, tenant.id)),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'sessions.update', resourceType: 'Tenant', resourceId: tenant.id, outcome: 'success', detail: `idle ${idleSeconds} s, absolute ${absoluteSeconds} s` }),
  ]);
  return { ...tenant, sessionIdleSeconds: idleSeconds, sessionAbsoluteSeconds: absoluteSeconds };
}
