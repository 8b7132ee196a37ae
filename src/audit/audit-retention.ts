/**
 * Retention of the audit log: rows older than the deployment's retention (`AUDIT_RETENTION_DAYS`,
 * default 90) are deleted by the hourly scheduled job in chunks (src/db/chunked-delete.ts). The log
 * is stored in its key `(tenant_id, at, id)`, so each tenant's oldest rows begin its range: a chunk
 * reads the rows it deletes and about two more per tenant it passes, and needs no index on `at`
 * alone (which every audited write would pay for); each chunk goes on from the tenant the one before
 * stopped at, so a run passes each tenant once, not once per chunk. The log keeps the rows of deleted tenants, so a chunk finds
 * the tenants in the log itself, not in `tenants`.
 */
import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../db/chunked-delete.ts';
import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

/** Statements per run: an hourly run deletes up to 200,000 rows, more than a busy deployment writes in an hour. */
const MAX_CHUNKS = 200;

const A = auditLog;

/** Deletes audit rows recorded before `cutoff` (ISO time), each tenant's oldest first; returns how many. */
export async function pruneAudit(db: Database, cutoff: string): Promise<number> {
  const { deleted } = await deleteInChunks(
    db,
    // The log's tenants one after another, each found from the one before by a seek along the key,
    // from the last tenant the chunk before reached: the tenants before it have no old rows left.
    (limit, from) =>
      sql`DELETE FROM ${A} WHERE (${A.tenantId}, ${A.at}, ${A.id}) IN (
        WITH RECURSIVE "tenant"("id") AS (
          SELECT min(${A.tenantId}) FROM ${A} WHERE ${A.tenantId} >= ${from}
          UNION ALL SELECT (SELECT min(${A.tenantId}) FROM ${A} WHERE ${A.tenantId} > "tenant"."id") FROM "tenant" WHERE "tenant"."id" IS NOT NULL)
        SELECT "old"."tenant_id", "old"."at", "old"."id" FROM "tenant" JOIN ${A} AS "old" ON "old"."tenant_id" = "tenant"."id" AND "old"."at" < ${cutoff}
        LIMIT ${limit})`,
    MAX_CHUNKS,
    sql`${A.tenantId}`,
  );
  return deleted;
}
