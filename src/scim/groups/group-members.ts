/**
 * Group membership storage (`group_members`, one row per group and user). Every statement takes
 * its ids as one JSON array parameter read with `json_each`, so a change of N members binds a
 * handful of parameters (D1 allows 100 a statement) and costs N index operations, whatever the
 * group's size.
 */
import { and, eq, sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { directoryEvents, groupMembers, users } from '../../db/schema.ts';
import { tenantTermOfLookup } from '../../db/tenant-term.ts';
import { compiledOnce, compileStatement, type CompiledRun, type CompiledStatement } from '../../db/compiled-statement.ts';
import { compileReturningCopyRows } from '../../db/row-json.ts';
import { eventsFromRows, eventsFromRowsValues, type EventOrigin, type EventType } from '../../events/event-log.ts';
import { etag } from '../model/etag.ts';
import { auditFromRow, auditRunFromRow, type AuditEvent } from '../../audit/audit-log.ts';

/** One member as a group's `members` attribute shows it. */
export interface MemberRow {
  groupId: string;
  userId: string;
  /** The user's displayName, else its userName. */
  display: string;
}

const idList = (ids: readonly string[]) => sql`(SELECT value FROM json_each(${JSON.stringify(ids)}))`;

/** Up to `limit` of `ids` that are not users of the tenant (another tenant's users included). */
export async function unknownUserIds(db: Database, tenantId: string, ids: readonly string[], limit: number): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db.all<{ value: string }>(
    sql`SELECT "j"."value" AS "value" FROM json_each(${JSON.stringify(ids)}) AS "j"
        WHERE NOT EXISTS (SELECT 1 FROM ${users} WHERE ${users.id} = "j"."value" AND ${users.tenantId} = ${tenantId}) LIMIT ${limit}`,
  );
  return rows.map((row) => row.value);
}

/** Which of `ids` are members of the group now. */
export async function membersAmong(db: Database, groupId: string, ids: readonly string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.all<{ userId: string }>(
    sql`SELECT ${groupMembers.userId} AS "userId" FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${groupId} AND ${groupMembers.userId} IN ${idList(ids)}`,
  );
  return new Set(rows.map((row) => row.userId));
}

/** How many members the group has. */
export async function memberCount(db: Database, groupId: string): Promise<number> {
  const row = await db.get<{ n: number }>(sql`SELECT count(*) AS "n" FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${groupId}`);
  return row?.n ?? 0;
}

const P = sql.placeholder;

/** Moves the version and `lastModified` of the tenant's users that `which` picks, returning them for the serving copy. */
function touchUsersWhere(db: Database, tenantId: string, at: string, which: SQL): CompiledRun {
  const update = db.update(users).set({ version: sql`${users.version} + 1`, updatedAt: at }).where(and(tenantTermOfLookup(users.tenantId, tenantId), which));
  return { statement: compileReturningCopyRows('users', update), values: {} };
}

/**
 * Moves the version and `lastModified` of the tenant's users `ids`: their read-only `groups`
 * attribute changed (a membership, or a group's name), so their ETag moves with it.
 */
export function touchUsers(db: Database, tenantId: string, ids: readonly string[], at: string): CompiledRun {
  return touchUsersWhere(db, tenantId, at, sql`${users.id} IN ${idList(ids)}`);
}

/** `touchUsers` for the group's members that `which` (a condition on the member's user id) picks. */
function touchMembers(db: Database, tenantId: string, groupId: string, at: string, which: SQL): CompiledRun {
  const members = sql`SELECT ${groupMembers.userId} FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${groupId} AND ${which}`;
  return touchUsersWhere(db, tenantId, at, sql`${users.id} IN (${members})`);
}

/** `touchUsers` for the group's members: all of them (before a rename or delete of the group), or all but `except` (before a full replace keeps only those). */
export function touchMembersOf(db: Database, tenantId: string, groupId: string, at: string, except: readonly string[] = []): CompiledRun {
  return touchMembers(db, tenantId, groupId, at, sql`${groupMembers.userId} NOT IN ${idList(except)}`);
}

/** `touchUsers` for those of `ids` that are members of the group now (before a remove decided in its batch). */
export function touchMembersAmong(db: Database, tenantId: string, groupId: string, ids: readonly string[], at: string): CompiledRun {
  return touchMembers(db, tenantId, groupId, at, sql`${groupMembers.userId} IN ${idList(ids)}`);
}

/**
 * `touchUsers` for those of `ids` that a statement of this batch made members (their membership
 * row has `created_at` = `at`): adds decided in the batch. One primary-key probe per id, whatever the group's size.
 */
const touchAddedAt = compiledOnce((db) =>
  compileReturningCopyRows(
    'users',
    db
      .update(users)
      .set({ version: sql`${users.version} + 1`, updatedAt: sql`${P('at')}` })
      .where(
        sql`${users.id} IN (SELECT value FROM json_each(${P('ids')})) AND EXISTS (SELECT 1 FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${P('groupId')} AND ${groupMembers.userId} = ${users.id} AND ${groupMembers.createdAt} = ${P('at')})`,
      ),
  ),
);
export function touchAddedMembers(db: Database, groupId: string, ids: readonly string[], at: string): CompiledRun {
  return { statement: touchAddedAt(db), values: { groupId, ids: JSON.stringify(ids), at } };
}

/**
 * Adds the users of placeholder `ids` (a JSON array) to the group. Only ids that are users of the
 * tenant at the moment the statement runs are inserted, so a user deleted meanwhile is never left
 * as a dangling member; existing memberships are kept (ON CONFLICT DO NOTHING).
 */
const insertMembers = compiledOnce((db) =>
  // Columns in table order: tenant_id, group_id, user_id, created_at. CROSS JOIN keeps the ids as
  // the outer loop (one primary-key probe each) rather than a scan of the tenant's users.
  compileStatement(
    db
      .insert(groupMembers)
      .select(
        sql`SELECT ${P('tenantId')}, ${P('groupId')}, ${users.id}, ${P('at')} FROM json_each(${P('ids')}) AS "j" CROSS JOIN ${users} ON ${users.id} = "j"."value" WHERE ${users.tenantId} = ${P('tenantId')}`,
      )
      .onConflictDoNothing(),
  ),
);
const deleteMembers = compiledOnce((db) => compileStatement(db.delete(groupMembers).where(and(eq(groupMembers.groupId, P('groupId')), sql`${groupMembers.userId} IN (SELECT value FROM json_each(${P('ids')}))`))));
const deleteOtherMembers = compiledOnce((db) =>
  compileStatement(db.delete(groupMembers).where(and(eq(groupMembers.groupId, P('groupId')), sql`${groupMembers.userId} NOT IN (SELECT value FROM json_each(${P('ids')}))`))),
);

/** Adds `userIds` (users of the tenant when the statement runs) to the group, keeping existing memberships. */
export function addMembers(db: Database, tenantId: string, groupId: string, userIds: readonly string[], at: string): CompiledRun {
  return { statement: insertMembers(db), values: { tenantId, groupId, ids: JSON.stringify(userIds), at } };
}

/** Removes `userIds` from the group (ids that are not members are no-ops). */
export function removeMembers(db: Database, groupId: string, userIds: readonly string[]): CompiledRun {
  return { statement: deleteMembers(db), values: { groupId, ids: JSON.stringify(userIds) } };
}

/** Removes every member not in `userIds` (the first half of a full replace). */
export function keepOnlyMembers(db: Database, groupId: string, userIds: readonly string[]): CompiledRun {
  return { statement: deleteOtherMembers(db), values: { groupId, ids: JSON.stringify(userIds) } };
}

const memberColumns = sql`${groupMembers.groupId} AS "groupId", ${groupMembers.userId} AS "userId", coalesce(${users.displayName}, ${users.userName}) AS "display"`;

/** Members read per query. */
export const MEMBER_CHUNK = 5000;

/** A group's first MEMBER_CHUNK + 1 members (one more tells that there are more), for the end of a write's own batch. */
const firstMembersOf = compiledOnce(() =>
  compileStatement<MemberRow>(
    sql`SELECT ${memberColumns} FROM ${groupMembers} JOIN ${users} ON ${users.id} = ${groupMembers.userId}
        WHERE ${groupMembers.groupId} = ${P('groupId')} AND ${groupMembers.tenantId} = ${P('tenantId')}
        ORDER BY ${groupMembers.userId} LIMIT ${MEMBER_CHUNK + 1}`,
    { groupId: groupMembers.groupId, userId: groupMembers.userId, display: users.userName },
  ),
);

/** `firstMembersOf` the group, as the last statement of its write: the response needs no read after the commit. */
export function firstMembers(db: Database, tenantId: string, groupId: string): CompiledRun {
  return { statement: firstMembersOf(db), values: { tenantId, groupId } };
}

/** The first `limit` members of the groups, ordered by (group id, user id): the primary key's order. */
export async function membersOfGroups(db: Database, tenantId: string, groupIds: readonly string[], limit: number): Promise<MemberRow[]> {
  if (groupIds.length === 0) return [];
  return db.all<MemberRow>(
    sql`SELECT ${memberColumns} FROM ${groupMembers} JOIN ${users} ON ${users.id} = ${groupMembers.userId}
        WHERE ${groupMembers.groupId} IN ${idList(groupIds)} AND ${groupMembers.tenantId} = ${tenantId}
        ORDER BY ${groupMembers.groupId}, ${groupMembers.userId} LIMIT ${limit}`,
  );
}

/** The group's next `limit` members after user id `after`, in user id order (a seek on the primary key). */
export async function membersAfter(db: Database, tenantId: string, groupId: string, after: string, limit: number): Promise<MemberRow[]> {
  return db.all<MemberRow>(
    sql`SELECT ${memberColumns} FROM ${groupMembers} JOIN ${users} ON ${users.id} = ${groupMembers.userId}
        WHERE ${groupMembers.groupId} = ${groupId} AND ${groupMembers.userId} > ${after} AND ${groupMembers.tenantId} = ${tenantId}
        ORDER BY ${groupMembers.userId} LIMIT ${limit}`,
  );
}

/** A group as its membership events name it: after the write, `version` its new one. */
export interface EventGroup {
  id: string;
  displayName: string;
  version: number;
}

/** A membership event's `data`: the group and the user (src/events/event-log.ts). */
const membershipData = sql`json_object('group', json_object('id', ${P('groupId')}, 'displayName', ${P('displayName')}, 'version', ${P('version')}), 'user', json_object('id', ${users.id}, 'userName', ${users.userName}))`;
/** `group.user_added` for each of `ids` that `insertMembers` will add: a user of the tenant, not yet a member. Runs just before it. */
const addedEvents = eventsFromRows(
  sql`SELECT ${users.id} AS "ord", ${membershipData} AS "data" FROM (SELECT DISTINCT value FROM json_each(${P('ids')})) AS "j" CROSS JOIN ${users} ON ${users.id} = "j"."value"
      WHERE ${users.tenantId} = ${P('tenantId')} AND NOT EXISTS (SELECT 1 FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${P('groupId')} AND ${groupMembers.userId} = ${users.id})`,
);
const currentMembers = sql`SELECT ${users.id} AS "ord", ${membershipData} AS "data" FROM ${groupMembers} JOIN ${users} ON ${users.id} = ${groupMembers.userId} WHERE ${groupMembers.groupId} = ${P('groupId')}`;
/** `group.user_removed` for each of `ids` that is a member (before `deleteMembers`), or each member not in `ids` (before `deleteOtherMembers`). */
const removedEvents = eventsFromRows(sql`${currentMembers} AND ${groupMembers.userId} IN (SELECT value FROM json_each(${P('ids')}))`);
const leavingEvents = eventsFromRows(sql`${currentMembers} AND ${groupMembers.userId} NOT IN (SELECT value FROM json_each(${P('ids')}))`);

function membershipEvents(statement: CompiledStatement<unknown>, origin: EventOrigin, type: EventType, group: EventGroup, ids: readonly string[]): CompiledRun {
  return { statement, values: eventsFromRowsValues(origin, type, { groupId: group.id, displayName: group.displayName, version: etag(group.version), ids: JSON.stringify(ids) }) };
}

/** The `group.user_added` events of `addMembers(…, userIds)`, decided in the batch: put just before it. */
export function memberAddedEvents(origin: EventOrigin, group: EventGroup, userIds: readonly string[]): CompiledRun {
  return membershipEvents(addedEvents, origin, 'group.user_added', group, userIds);
}

/** The `group.user_removed` events of `removeMembers(…, userIds)`: put just before it. */
export function memberRemovedEvents(origin: EventOrigin, group: EventGroup, userIds: readonly string[]): CompiledRun {
  return membershipEvents(removedEvents, origin, 'group.user_removed', group, userIds);
}

/** The `group.user_removed` events of `keepOnlyMembers(…, userIds)`: put just before it. */
export function membersLeavingEvents(origin: EventOrigin, group: EventGroup, keptIds: readonly string[]): CompiledRun {
  return membershipEvents(leavingEvents, origin, 'group.user_removed', group, keptIds);
}

const E = directoryEvents;
/**
 * `members: +A -R` of a membership change decided in its batch, counted from the change-log events
 * its statements just inserted: the tenant's newest `most` events (no more than the change names
 * ids), those of this group at its new version. A write's own statements run together in a batch,
 * and no two writes of one group share a batch, so nothing else matches.
 */
const membershipChangeAudit = auditFromRow(
  sql`SELECT 'members: +' || "n"."added" || ' -' || "n"."removed" AS "detail", "n"."added" + "n"."removed" AS "changed"
      FROM (SELECT coalesce(sum("e"."type" = 'group.user_added'), 0) AS "added", coalesce(sum("e"."type" = 'group.user_removed'), 0) AS "removed"
        FROM (SELECT ${E.type} AS "type", ${E.data} AS "data" FROM ${E} WHERE ${E.tenantId} = ${P('tenantId')} ORDER BY ${E.seq} DESC LIMIT ${P('most')}) AS "e"
        WHERE json_extract("e"."data", '$.group.id') = ${P('groupId')} AND json_extract("e"."data", '$.group.version') = ${P('version')}) AS "n"`,
);

/** The audit row of a membership change of `group` (at its new version) naming `most` ids, decided in its batch: written only if it changed a membership. Put after the change's statements. */
export function membershipChangeAuditRun(db: Database, event: AuditEvent, group: EventGroup, most: number): CompiledRun {
  return auditRunFromRow(membershipChangeAudit(db), event, { groupId: group.id, version: etag(group.version), most });
}
