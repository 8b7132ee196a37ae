/**
 * Deleting a tenant. One cascading DELETE of a tenant with a million users would touch tens of
 * millions of rows in one statement, past D1's per-query time limit and blocking every other
 * tenant's writes meanwhile. So a deletion has two parts:
 *
 * 1. `deleteTenant` retires the tenant in one small batch: from that commit on nobody reaches it.
 *    Its slug and external id are freed (a new tenant may take them at once), SCIM is off and its
 *    tokens revoked (the token guard refuses the very next request), and what lets anyone act on
 *    it — the OIDC connection, domains, setup links, webhook endpoints, API keys — is deleted.
 * 2. Its rows are then deleted a chunk per statement (src/db/chunked-delete.ts): users (their
 *    emails, memberships and sign-in subjects go by cascade), groups, the change log; last the
 *    tenant row, whose cascade takes the few rows left. `deleteTenant` does as much as its budget
 *    allows; the minute's scheduled run (`finishDeletions`) carries on until none is left.
 *
 * Audit rows stay, as for any deleted resource, until their retention ends.
 */
import type { AccessAnnouncer } from './access-announcer.ts';
import { and, eq, isNotNull, isNull, sql } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { deleteInChunks } from '../db/chunked-delete.ts';
import { apiKeys, directoryEvents, groups, oidcConnections, scimTokens, setupLinks, tenantDomains, tenants, users, webhookEndpoints } from '../db/schema.ts';
import { auditInsertWhen, type AuditActor } from '../audit/audit-log.ts';
import { operatorEvent, type Tenant } from './tenant-store.ts';

/** A retired tenant's slug: `~` is in no valid slug (src/tenants/slug.ts), so it can never be looked up. */
const retiredSlug = (tenant: Tenant) => `~deleted~${tenant.id}`;

/** How far a deletion got: `done` once the tenant row itself is gone; `statements` it ran. */
export interface DeletionProgress {
  done: boolean;
  rowsDeleted: number;
  statements: number;
}

/** Statements the Worker's own answer spends before leaving the rest to the scheduled run (D1 allows 1,000 queries per invocation). */
const REQUEST_DELETE_STATEMENTS = 100;

/**
 * Retires `tenant` (above) and deletes its rows with at most `maxStatements` statements; the
 * minute's scheduled run finishes what is left.
 */
export async function deleteTenant(db: Database, announce: AccessAnnouncer, tenant: Tenant, actor: AuditActor = 'cli', maxStatements = REQUEST_DELETE_STATEMENTS): Promise<DeletionProgress> {
  const at = now();
  await db.batch([
    db
      .update(tenants)
      .set({ slug: retiredSlug(tenant), externalId: null, scimEnabled: false, deletingSince: at, updatedAt: at })
      .where(and(eq(tenants.id, tenant.id), isNull(tenants.deletingSince))),
    // Only the delete that retired it is recorded: a second one, racing it, changes nothing.
    auditInsertWhen(db, operatorEvent(tenant.id, 'tenant.delete', tenant.id, actor), sql`changes() > 0`),
    db.update(scimTokens).set({ revokedAt: at }).where(and(eq(scimTokens.tenantId, tenant.id), isNull(scimTokens.revokedAt))),
    db.delete(oidcConnections).where(eq(oidcConnections.tenantId, tenant.id)),
    db.delete(tenantDomains).where(eq(tenantDomains.tenantId, tenant.id)),
    db.delete(setupLinks).where(eq(setupLinks.tenantId, tenant.id)),
    db.delete(webhookEndpoints).where(eq(webhookEndpoints.tenantId, tenant.id)),
    db.delete(apiKeys).where(eq(apiKeys.tenantId, tenant.id)),
  ]);
  // Told while the tenant row still names it, before its rows go.
  await announce(tenant.id);
  return deleteRetiredRows(db, tenant.id, maxStatements);
}

/** The statements that empty a retired tenant, biggest tables first, each deleting at most `limit` rows. */
function chunkStatements(tenantId: string) {
  const retired = sql`EXISTS (SELECT 1 FROM ${tenants} WHERE ${tenants.id} = ${tenantId} AND ${tenants.deletingSince} IS NOT NULL)`;
  return [
    (limit: number) => sql`DELETE FROM ${users} WHERE ${users.seq} IN (SELECT ${users.seq} FROM ${users} WHERE ${users.tenantId} = ${tenantId} AND ${retired} ORDER BY ${users.seq} LIMIT ${limit})`,
    (limit: number) => sql`DELETE FROM ${groups} WHERE ${groups.seq} IN (SELECT ${groups.seq} FROM ${groups} WHERE ${groups.tenantId} = ${tenantId} AND ${retired} ORDER BY ${groups.seq} LIMIT ${limit})`,
    (limit: number) =>
      sql`DELETE FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ${tenantId} AND ${directoryEvents.seq} IN (SELECT ${directoryEvents.seq} FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ${tenantId} AND ${retired} ORDER BY ${directoryEvents.seq} LIMIT ${limit})`,
  ];
}

/** Deletes the rows of retired tenant `tenantId` with at most `maxStatements` statements, the tenant row last. */
export async function deleteRetiredRows(db: Database, tenantId: string, maxStatements: number): Promise<DeletionProgress> {
  let statements = 0;
  let rowsDeleted = 0;
  for (const chunk of chunkStatements(tenantId)) {
    const run = await deleteInChunks(db, chunk, maxStatements - statements);
    rowsDeleted += run.deleted;
    statements += run.chunks;
    if (!run.finished) return { done: false, rowsDeleted, statements };
  }
  if (statements >= maxStatements) return { done: false, rowsDeleted, statements };
  await db.delete(tenants).where(and(eq(tenants.id, tenantId), isNotNull(tenants.deletingSince)));
  return { done: true, rowsDeleted, statements: statements + 1 };
}

/** Carries on the unfinished deletions, oldest first, within `maxStatements` statements in all; how many rows went. */
export async function finishDeletions(db: Database, maxStatements: number): Promise<number> {
  const retired = await db.select({ id: tenants.id }).from(tenants).where(isNotNull(tenants.deletingSince)).orderBy(tenants.deletingSince).all();
  let statements = 0;
  let rowsDeleted = 0;
  for (const { id } of retired) {
    if (statements >= maxStatements) break;
    const progress = await deleteRetiredRows(db, id, maxStatements - statements);
    rowsDeleted += progress.rowsDeleted;
    statements += progress.statements;
  }
  return rowsDeleted;
}
