/** Users as stored in D1, and the derived rows and columns kept beside the resource JSON. */
import { and, eq, sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { groupMembers, groups, userEmails, users } from '../../db/schema.ts';
import { foldCase } from '../../common/fold-case.ts';
import type { JsonObject } from '../model/json.ts';
import { batchCompiled, compiledOnce, compileStatement } from '../../db/compiled-statement.ts';

export type UserRow = typeof users.$inferSelect;

/** A user's group as its read-only `groups` attribute shows it (RFC 7643 §4.1.2). */
export interface UserGroupRef {
  value: string;
  display: string;
  type: 'direct';
}

export async function findUserRow(db: Database, tenantId: string, id: string): Promise<UserRow | undefined> {
  return db.select().from(users).where(and(eq(users.tenantId, tenantId), eq(users.id, id))).get();
}

/** Another user of the tenant holding `userName` (case-insensitive, RFC 7643 §4.1.1), if any. */
export async function userNameHolder(db: Database, tenantId: string, userName: string, exceptId?: string): Promise<string | undefined> {
  const row = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.tenantId, tenantId), sql`lower(${users.userName}) = ${foldCase(userName)}`))
    .get();
  return row && row.id !== exceptId ? row.id : undefined;
}

/** The indexed column copies of a normalized user resource. */
export function userColumns(data: JsonObject) {
  return {
    userName: String(data.userName),
    externalId: typeof data.externalId === 'string' ? data.externalId : null,
    displayName: typeof data.displayName === 'string' ? data.displayName : null,
    active: data.active !== false,
  };
}

/** A `user_emails` row's position, value, type and primary flag (0/1), as the JSON array `insertEmails` reads. */
export type EmailTuple = [position: number, value: string, type: string | null, primary: 0 | 1];

/** A normalized user's `user_emails` rows: values case-folded as SQLite's lower() does (emails are caseExact=false). */
export function emailTuples(data: JsonObject): EmailTuple[] {
  const emails = Array.isArray(data.emails) ? (data.emails as JsonObject[]) : [];
  return emails.filter((e) => typeof e.value === 'string').map((e, position) => [position, foldCase(e.value as string), typeof e.type === 'string' ? e.type : null, e.primary === true ? 1 : 0]);
}

/**
 * Inserts a user's email rows from one JSON array of `EmailTuple`s (placeholders `tenantId`,
 * `userId`, `emails`): one statement and shape for any number of emails, three parameters.
 */
export const insertEmails = compiledOnce((db) =>
  compileStatement(
    db
      .insert(userEmails)
      .select(
        sql`SELECT ${sql.placeholder('tenantId')}, ${sql.placeholder('userId')}, json_extract("e"."value", '$[0]'), json_extract("e"."value", '$[1]'), json_extract("e"."value", '$[2]'), json_extract("e"."value", '$[3]') FROM json_each(${sql.placeholder('emails')}) AS "e"`,
      ),
  ),
);

const USER_GROUP_FIELDS = { userId: groupMembers.userId, groupId: groups.id, display: groups.displayName };

/** The query for the `groups` of the users a subquery's SQL selects. */
function userGroupsQuery(db: Database, tenantId: Placeholder, userIds: SQL) {
  const ids = sql`(${userIds})`;
  return db
    .select(USER_GROUP_FIELDS)
    .from(groupMembers)
    .innerJoin(groups, eq(groups.id, groupMembers.groupId))
    .where(and(eq(groupMembers.tenantId, tenantId), sql`${groupMembers.userId} IN ${ids}`))
    .orderBy(groups.displayName);
}

/** The `groups` of one user (placeholders `tenantId`, `userId`), compiled once. */
export const oneUserGroups = compiledOnce((db) => compileStatement<Awaited<ReturnType<typeof userGroupsQuery>>[number]>(userGroupsQuery(db, sql.placeholder('tenantId'), sql`SELECT ${sql.placeholder('userId')}`), USER_GROUP_FIELDS));

/**
 * The `groups` of the users the JSON array placeholder `userIds` lists (placeholder `tenantId`
 * too), compiled once: one JSON parameter, not one per id (D1 allows at most 100 a statement).
 */
const listedUsersGroups = compiledOnce((db) =>
  compileStatement<Awaited<ReturnType<typeof userGroupsQuery>>[number]>(userGroupsQuery(db, sql.placeholder('tenantId'), sql`SELECT value FROM json_each(${sql.placeholder('userIds')})`), USER_GROUP_FIELDS),
);

/** The rows of `userGroupsQuery` as each user's `groups` attribute. */
export function groupRefsByUser(userIds: string[], rows: Awaited<ReturnType<typeof userGroupsQuery>>): Map<string, UserGroupRef[]> {
  const result = new Map<string, UserGroupRef[]>(userIds.map((id) => [id, []]));
  for (const row of rows) result.get(row.userId)?.push({ value: row.groupId, display: row.display, type: 'direct' });
  return result;
}

/** The `groups` attribute of each of `userIds`, in one query. */
export async function groupsOfUsers(db: Database, tenantId: string, userIds: string[]): Promise<Map<string, UserGroupRef[]>> {
  if (userIds.length === 0) return new Map();
  const [rows] = await batchCompiled(db.$client, [{ statement: listedUsersGroups(db), values: { tenantId, userIds: JSON.stringify(userIds) } }]);
  return groupRefsByUser(userIds, rows as Parameters<typeof groupRefsByUser>[1]);
}
