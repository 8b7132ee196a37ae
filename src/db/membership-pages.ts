/**
 * A tenant's memberships in pages: group by group along the tenant's `(tenant_id, seq)` index of
 * groups, each group's members along the primary key, so a page reads its own rows. Ordered by the
 * (group, user) key instead, SQLite reads and sorts every membership of the tenant past the cursor,
 * for each page (1.7 s a page at 1,000,000). Each row is the membership with its group's `seq` as
 * `group_seq`; the next page starts after the last row's (`group_seq`, `user_id`), the first after (0, '').
 * Read by a rebuild of the serving copy and by the management API's directory snapshot.
 */
import { sql, type SQL } from 'drizzle-orm';
import { groupMembers, groups } from './schema.ts';

type Value = SQL | string | number;

export function membershipPage(tenantId: Value, afterGroupSeq: Value, afterUserId: Value, limit: Value): SQL {
  return sql`SELECT ${groupMembers}.*, ${groups.seq} AS "group_seq" FROM ${groups} JOIN ${groupMembers} ON ${groupMembers.groupId} = ${groups.id}
    WHERE ${groups.tenantId} = ${tenantId} AND ${groups.seq} >= ${afterGroupSeq} AND (${groups.seq} > ${afterGroupSeq} OR ${groupMembers.userId} > ${afterUserId})
    ORDER BY ${groups.seq}, ${groupMembers.userId} LIMIT ${limit}`;
}

/** A row of `membershipPage`. */
export interface MembershipPageRow {
  group_id: string;
  user_id: string;
  group_seq: number;
}
