/**
 * Reading a tenant's audit log, newest first, for its admin console: filtered by kind (who acted:
 * provisioning is a SCIM token, sign-in the sign-in flow, configuration everyone else), outcome,
 * one user (the rows about them) and a time window; paged by a cursor on (at, id),
 * which walks the (tenant_id, at) index backwards.
 */
import { and, desc, eq, gte, inArray, lt, max, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

export const AUDIT_KINDS = ['all', 'provisioning', 'sign-in', 'configuration'] as const;
export type AuditKind = (typeof AUDIT_KINDS)[number];

export interface AuditFilter {
  kind: AuditKind;
  outcome: 'all' | 'success' | 'failure';
  /** A user's id: the rows about them (their provisioning, sign-ins and role changes). */
  userId?: string | undefined;
  /** ISO timestamps: from (inclusive), until (exclusive). */
  from?: string | undefined;
  until?: string | undefined;
}

export type AuditEntry = typeof auditLog.$inferSelect;

const actorStarts = (prefix: string) => sql`substr(${auditLog.actor}, 1, ${prefix.length}) = ${prefix}`;

function kindCondition(kind: AuditKind): SQL | undefined {
  if (kind === 'provisioning') return actorStarts('token:');
  if (kind === 'sign-in') return eq(auditLog.actor, 'oidc');
  if (kind === 'configuration') return and(sql`NOT ${actorStarts('token:')}`, sql`${auditLog.actor} <> 'oidc'`);
  return undefined;
}

/** A literal, not a parameter, for failures: only then can SQLite use the partial index of failures. */
function outcomeCondition(outcome: AuditFilter['outcome']): SQL | undefined {
  if (outcome === 'all') return undefined;
  return outcome === 'failure' ? sql`${auditLog.outcome} = 'failure'` : sql`${auditLog.outcome} = 'success'`;
}

/** Where a page ends: the last row's (at, id), opaque to the page. */
function encodeCursor(entry: AuditEntry): string {
  return btoa(JSON.stringify([entry.at, entry.id])).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function decodeCursor(text: string): [string, number] | undefined {
  try {
    const value: unknown = JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/')));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === 'string' && Number.isSafeInteger(value[1])) return [value[0], value[1] as number];
  } catch {
    // not ours
  }
  return undefined;
}

/** One page of the tenant's audit rows matching `filter`, newest first, after `cursor`; undefined for a cursor this did not hand out. */
export async function auditPage(db: Database, tenantId: string, filter: AuditFilter, cursor: string | undefined, limit: number): Promise<{ entries: AuditEntry[]; next: string | null } | undefined> {
  const after = cursor === undefined ? undefined : decodeCursor(cursor);
  if (cursor !== undefined && !after) return undefined;
  const rows = await db
    .select()
    .from(auditLog)
    .where(
      and(
        eq(auditLog.tenantId, tenantId),
        kindCondition(filter.kind),
        outcomeCondition(filter.outcome),
        filter.userId ? eq(auditLog.resourceId, filter.userId) : undefined,
        filter.from ? gte(auditLog.at, filter.from) : undefined,
        filter.until ? lt(auditLog.at, filter.until) : undefined,
        after ? or(lt(auditLog.at, after[0]), and(eq(auditLog.at, after[0]), lt(auditLog.id, after[1]))) : undefined,
      ),
    )
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(limit + 1)
    .all();
  const entries = rows.slice(0, limit);
  const last = entries.at(-1);
  return { entries, next: rows.length > limit && last ? encodeCursor(last) : null };
}

/** What the log says of each of `userIds`: who created them (SCIM token or sign-in) and when they last signed in. */
export async function userHistory(db: Database, tenantId: string, userIds: readonly string[]): Promise<Map<string, { createdBy: string | null; lastSignIn: string | null }>> {
  if (userIds.length === 0) return new Map();
  // Both read the (tenant_id, resource_id, at) index, one round trip.
  const about = and(eq(auditLog.tenantId, tenantId), inArray(auditLog.resourceId, [...userIds]));
  const [created, signedIn] = await db.batch([
    db.select({ userId: auditLog.resourceId, actor: auditLog.actor }).from(auditLog).where(and(about, eq(auditLog.action, 'user.create'), eq(auditLog.outcome, 'success'))),
    db.select({ userId: auditLog.resourceId, at: max(auditLog.at) }).from(auditLog).where(and(about, eq(auditLog.action, 'signin'), eq(auditLog.outcome, 'success'))).groupBy(auditLog.resourceId),
  ]);
  return new Map(
    userIds.map((id) => [id, { createdBy: created.find((r) => r.userId === id)?.actor ?? null, lastSignIn: signedIn.find((r) => r.userId === id)?.at ?? null }] as const),
  );
}
