/**
 * Reading a tenant's audit log, newest first, for its admin console: filtered by kind (who acted:
 * provisioning is a SCIM token, sign-in the sign-in flow, configuration everyone else), outcome,
 * one user (the rows about them) and a time window; paged by a cursor on (at, id),
 * which walks the table's key `(tenant_id, at, id)` backwards.
 */
import { and, desc, eq, getTableColumns, gte, lt, or, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { auditLog, scimTokens } from '../db/schema.ts';

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

/**
 * The log as a query's source, naming the index of a rare filter: without statistics SQLite
 * prefers the table's key, which also holds the tenant and the order, and so walks the tenant's
 * whole log for a few rows. One user's rows beat failures; anything else walks the key. (drizzle
 * has no INDEXED BY, so these queries are SQL with drizzle's columns and conditions.) A query of
 * one user's rows says `aboutAUser`, the condition of that index.
 */
function auditSource(about: 'user' | 'failures' | 'any'): SQL {
  if (about === 'any') return sql`${auditLog}`;
  return sql`${auditLog} INDEXED BY ${sql.identifier(about === 'user' ? 'audit_log_tenant_user_at' : 'audit_log_tenant_failures_at')}`;
}

/** A literal, not a parameter: only then can SQLite use the partial index of rows about a user. */
const aboutAUser = sql`${auditLog.resourceType} = 'User'`;

/** Every column, named as an AuditEntry names it (none needs decoding: text and integers). */
const ENTRY_COLUMNS = sql.join(
  Object.entries(getTableColumns(auditLog)).map(([key, column]) => sql`${column} AS ${sql.identifier(key)}`),
  sql`, `,
);

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
  const where = and(
    eq(auditLog.tenantId, tenantId),
    kindCondition(filter.kind),
    outcomeCondition(filter.outcome),
    filter.userId ? and(aboutAUser, eq(auditLog.resourceId, filter.userId)) : undefined,
    filter.from ? gte(auditLog.at, filter.from) : undefined,
    filter.until ? lt(auditLog.at, filter.until) : undefined,
    after ? or(lt(auditLog.at, after[0]), and(eq(auditLog.at, after[0]), lt(auditLog.id, after[1]))) : undefined,
  );
  const source = auditSource(filter.userId ? 'user' : filter.outcome === 'failure' ? 'failures' : 'any');
  const rows = await db.all<AuditEntry>(sql`SELECT ${ENTRY_COLUMNS} FROM ${source} WHERE ${where} ORDER BY ${auditLog.at} DESC, ${auditLog.id} DESC LIMIT ${limit + 1}`);
  const entries = rows.slice(0, limit);
  const last = entries.at(-1);
  return { entries, next: rows.length > limit && last ? encodeCursor(last) : null };
}

/** What the log says of each of `userIds`: who created them (SCIM token or sign-in) and when they last signed in. */
export async function userHistory(db: Database, tenantId: string, userIds: readonly string[]): Promise<Map<string, { createdBy: string | null; lastSignIn: string | null }>> {
  if (userIds.length === 0) return new Map();
  // One statement, both parts along the index of rows about a user; the ids as one JSON
  // parameter each, so a page of users stays under D1's 100 parameters a statement.
  const about = and(eq(auditLog.tenantId, tenantId), aboutAUser, sql`${auditLog.resourceId} IN (SELECT "value" FROM json_each(${JSON.stringify(userIds)}))`);
  const rows = await db.all<{ part: 'created' | 'signedIn'; userId: string; value: string }>(
    sql`SELECT 'created' AS "part", ${auditLog.resourceId} AS "userId", ${auditLog.actor} AS "value" FROM ${auditSource('user')}
        WHERE ${and(about, eq(auditLog.action, 'user.create'), eq(auditLog.outcome, 'success'))}
      UNION ALL SELECT 'signedIn', ${auditLog.resourceId}, max(${auditLog.at}) FROM ${auditSource('user')}
        WHERE ${and(about, eq(auditLog.action, 'signin'), eq(auditLog.outcome, 'success'))} GROUP BY ${auditLog.resourceId}`,
  );
  const valueOf = (part: 'created' | 'signedIn', id: string) => rows.find((r) => r.part === part && r.userId === id)?.value ?? null;
  return new Map(userIds.map((id) => [id, { createdBy: valueOf('created', id), lastSignIn: valueOf('signedIn', id) }] as const));
}

/**
 * The tenant's latest SCIM request that left an audit row (a write or a refusal), if any: newest
 * first along the table's key, back no further than the creation of the oldest token that was ever
 * used. So a tenant that never provisioned reads nothing, rather than its whole log of sign-ins.
 */
export async function latestProvisioningRequest(db: Database, tenantId: string) {
  const oldestUsedToken = sql`(SELECT min(${scimTokens.createdAt}) FROM ${scimTokens} WHERE ${scimTokens.tenantId} = ${tenantId} AND ${scimTokens.lastUsedAt} IS NOT NULL)`;
  return db
    .select({ at: auditLog.at, action: auditLog.action, outcome: auditLog.outcome, status: auditLog.status, detail: auditLog.detail })
    .from(auditLog)
    .where(and(eq(auditLog.tenantId, tenantId), gte(auditLog.at, oldestUsedToken), actorStarts('token:')))
    .orderBy(desc(auditLog.at), desc(auditLog.id))
    .limit(1)
    .get();
}
