/**
 * The tenant term of a query that starts from ids it looks up (`id IN (…)`), written so SQLite does
 * not answer it from an index: `+tenant_id = ?`, SQLite's documented way to rule a term out of index
 * use. D1 and the tenant object's SQLite have no statistics, so SQLite would take the tenant's whole
 * `(tenant_id, …)` index range as the cheaper start and test each row against the ids: every row
 * of the tenant read to find a few (docs/storage-schema.md, "A lookup starts from what it finds").
 * The term still holds: a row of another tenant never matches.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

export function tenantTermOfLookup(column: SQLiteColumn, tenantId: SQL | string): SQL {
  return sql`+${column} = ${tenantId}`;
}
