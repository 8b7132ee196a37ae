/**
 * Retention of the audit log: rows older than the deployment's retention (`AUDIT_RETENTION_DAYS`,
 * default 90) are deleted by the hourly scheduled job in chunks (src/db/chunked-delete.ts). A
 * chunk looks only at the oldest rows by id — insertion order, which is time order for rows the
 * Worker writes — so it reads at most a chunk of rows and needs no index on `at` (which every
 * audited write would pay for). A row written out of time order waits until the rows before it go.
 */
import { sql } from 'drizzle-orm';
import { deleteInChunks } from '../db/chunked-delete.ts';
import type { Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

/** Statements per run: an hourly run deletes up to 200,000 rows, more than a busy deployment writes in an hour. */
const MAX_CHUNKS = 200;

const A = auditLog;

/** Deletes audit rows recorded before `cutoff` (ISO time), oldest first; returns how many. */
export async function pruneAudit(db: Database, cutoff: string): Promise<number> {
  const { deleted } = await deleteInChunks(
    db,
    (limit) => sql`DELETE FROM ${A} WHERE ${A.id} IN (SELECT "oldest"."id" FROM (SELECT ${A.id} AS "id", ${A.at} AS "at" FROM ${A} ORDER BY ${A.id} LIMIT ${limit}) AS "oldest" WHERE "oldest"."at" < ${cutoff})`,
    MAX_CHUNKS,
  );
  return deleted;
}
