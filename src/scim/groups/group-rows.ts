/** Groups as stored in D1 (`groups`; members live in `group_members`, see group-members.ts). */
import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { groups } from '../../db/schema.ts';
import type { JsonObject } from '../model/json.ts';
import { foldCase } from '../../common/fold-case.ts';

export type GroupRow = typeof groups.$inferSelect;

/** The tenant's group `id`, or undefined. */
export async function findGroupRow(db: Database, tenantId: string, id: string): Promise<GroupRow | undefined> {
  return db.select().from(groups).where(and(eq(groups.tenantId, tenantId), eq(groups.id, id))).get();
}

/** Another group of the tenant holding `displayName` (compared case-insensitively, our uniqueness rule), if any. */
export async function displayNameHolder(db: Database, tenantId: string, displayName: string, exceptId?: string): Promise<string | undefined> {
  const row = await db
    .select({ id: groups.id })
    .from(groups)
    .where(and(eq(groups.tenantId, tenantId), sql`lower(${groups.displayName}) = ${foldCase(displayName)}`))
    .get();
  return row && row.id !== exceptId ? row.id : undefined;
}

/** The indexed column copies of a normalized group resource. */
export function groupColumns(data: JsonObject) {
  return {
    displayName: String(data.displayName),
    externalId: typeof data.externalId === 'string' ? data.externalId : null,
  };
}
