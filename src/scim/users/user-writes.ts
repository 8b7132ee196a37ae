/**
 * User writes (RFC 7644 §3.3, §3.5, §3.6), run only inside the tenant object's write queue. Each
 * is one D1 batch — resource row, email rows, page bucket, audit row — so a request applies whole or
 * not at all; the unique index on (tenant, lower(userName)) and the version guard are backstops.
 */
import { eq, sql } from 'drizzle-orm';
import { now, type Database } from '../../db/client.ts';
import { groupMembers, groups, userEmails, users } from '../../db/schema.ts';
import { tenantTermOfLookup } from '../../db/tenant-term.ts';
import { compileReturningCopyRows } from '../../db/row-json.ts';
import { ScimError } from '../../http/errors.ts';
import { auditRun } from '../../audit/audit-log.ts';
import { foldCase } from '../../common/fold-case.ts';
import { applyPatch } from '../patch/apply.ts';
import type { PatchRequest } from '../patch/request.ts';
import { allowedRoles } from '../model/allowed-roles.ts';
import { requireStorable } from '../model/stored-size.ts';
import { normalizeResource, type ScimData } from '../model/normalize.ts';
import { commitCompiled } from '../storage/commit.ts';
import { batchCompiled, compiledOnce, compiledPerChange, compileStatement, placeholdersOf, type CompiledRun, type MergeRule } from '../../db/compiled-statement.ts';
import { bucketOf, countCreatedRun, countDeleted } from '../storage/page-buckets.ts';
import { currentRow, settledBeforeReuse, versionGuard } from '../storage/version.ts';
import { USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { createdEvent, deletedEvent, optional, updatedEvent } from '../storage/resource-events.ts';
import type { WriteContext } from '../storage/write-context.ts';
import { emailTuples, findUserRow, groupRefsByUser, insertEmails, oneUserGroups, userColumns, userNameHolder, type EmailTuple, type UserGroupRef, type UserRow } from './user-rows.ts';

const notFound = (id: string) => new ScimError(404, undefined, `User "${id}" not found in this tenant.`);

function uniquenessError(userName: string): ScimError {
  return new ScimError(409, 'uniqueness', `userName "${userName}" is already taken in this tenant (userName is case-insensitive).`);
}

async function requireUniqueUserName(ctx: WriteContext, userName: string, exceptId?: string): Promise<void> {
  if (await userNameHolder(ctx.db, ctx.tenantId, userName, exceptId)) throw uniquenessError(userName);
}

/**
 * Runs a write batch, mapping the backstops' failures to SCIM errors; returns each statement's rows.
 * `committedAlready` recognises this write in D1 when an earlier attempt committed it unanswered.
 */
function commit(ctx: WriteContext, userName: string, runs: CompiledRun[], committedAlready?: () => Promise<unknown[][] | undefined>) {
  return commitCompiled(ctx.db, runs, { resource: 'user', uniqueness: () => uniquenessError(userName), ...(committedAlready ? { committedAlready } : {}) });
}

const P = sql.placeholder;
/** The indexed columns an update sets only when they change, and the columns every update sets. */
const INDEXED = ['userName', 'externalId', 'displayName', 'active'] as const;
const EVERY_UPDATE = ['data', 'version', 'updatedAt'] as const;
/** The columns a create inserts (D1 assigns `seq`), in the order the merged insert reads them. */
const CREATED = ['id', 'tenantId', ...INDEXED, ...EVERY_UPDATE, 'createdAt'] as const;
/** What a create's insert returns: what D1 assigned, and the id a merged insert's rows are told apart by. */
const INSERTED = { seq: users.seq, id: users.id };
/** The statements of a create and an update, compiled once; each write binds its own values. */
const insertUser = compiledOnce((db) =>
  compileStatement<Pick<UserRow, 'seq' | 'id'>>(db.insert(users).values(placeholdersOf<UserRow, (typeof CREATED)[number]>(CREATED)).returning(INSERTED), INSERTED),
);
/** Many creates' rows in one insert: `rows` is a JSON array of rows, each the `CREATED` columns' stored values in order. */
const insertUsers = compiledOnce((db) =>
  compileStatement(
    db
      .insert(users)
      .select(sql`SELECT NULL, ${sql.join(CREATED.map((_, i) => sql.raw(`json_extract("r"."value", '$[${i}]')`)), sql`, `)} FROM json_each(${P('rows')}) AS "r"`)
      .returning(INSERTED),
    INSERTED,
  ),
);
/**
 * In a combined batch (src/tenant-object/group-commit.ts) the creates' user rows go in as one
 * insert, and each create finds its own `seq` among the rows it returns by id. Nothing in the batch
 * can refer to a row created in it: its id is known only to the reply, after the batch committed.
 */
const mergeUserCreates = (db: Database): MergeRule => ({
  key: 'users:create',
  merge: (values) => ({ statement: insertUsers(db), values: { rows: JSON.stringify(values.map((v) => CREATED.map((c) => users[c].mapToDriverValue(v[c] as never)))) } }),
});
// No RETURNING: under the version guard the stored row is the remembered one with this write's columns.
const updateUser = compiledPerChange<UserRow, (typeof INDEXED)[number]>(INDEXED, (db, changed) =>
  compileStatement(
    db
      .update(users)
      .set(placeholdersOf<UserRow, (typeof INDEXED)[number] | (typeof EVERY_UPDATE)[number]>([...changed, ...EVERY_UPDATE]))
      .where(sql`${users.id} = ${P('id')} AND ${users.version} = ${P('currentVersion')}`),
  ),
);
const deleteUserRow = compiledOnce((db) => compileStatement(db.delete(users).where(sql`${users.id} = ${P('id')} AND ${users.version} = ${P('currentVersion')}`)));
const unbucketUser = compiledOnce((db) => compileStatement(countDeleted(db, P('tenantId'), 'User', P('bucket'))));
const dropEmails = compiledOnce((db) => compileStatement(db.delete(userEmails).where(eq(userEmails.userId, P('userId')))));

/** A member's `display` in its groups (src/scim/groups/group-members.ts): its displayName, else its userName. */
const memberDisplay = (row: Pick<UserRow, 'displayName' | 'userName'>) => row.displayName ?? row.userName;

/** The ids of the groups `userId` is a member of. */
async function groupIdsOf(ctx: WriteContext, userId: string): Promise<string[]> {
  return (await ctx.db.select({ id: groupMembers.groupId }).from(groupMembers).where(eq(groupMembers.userId, userId)).all()).map((r) => r.id);
}

/**
 * The statement that moves the version and `lastModified` of groups `ids` when their members
 * change without a group write (a member renamed or deleted), and the groups marked in the
 * object's memory as written by `pending`: their next write starts from D1, after it commits.
 */
function touchGroups(ctx: WriteContext, ids: string[], at: string): { runs: CompiledRun[]; mark(pending: Promise<unknown>): void } {
  if (ids.length === 0) return { runs: [], mark: () => undefined };
  const update = sql`UPDATE ${groups} SET ${sql.identifier(groups.version.name)} = ${groups.version} + 1, ${sql.identifier(groups.updatedAt.name)} = ${at}
    WHERE ${tenantTermOfLookup(groups.tenantId, ctx.tenantId)} AND ${groups.id} IN (SELECT value FROM json_each(${JSON.stringify(ids)}))`;
  return {
    runs: [{ statement: compileReturningCopyRows('groups', update), values: {} }],
    mark: (pending) => ctx.groups?.forgetWhile(ids, pending),
  };
}

/** Whether two states of a user store the same email rows. */
const sameEmails = (a: ScimData, b: ScimData) => JSON.stringify(emailTuples(a)) === JSON.stringify(emailTuples(b));

/** Many users' email rows in one insert: `rows` is a JSON array of [tenant, user, position, value, type, primary]. */
const insertManyEmails = compiledOnce((db) =>
  compileStatement(db.insert(userEmails).select(sql`SELECT ${sql.join([0, 1, 2, 3, 4, 5].map((i) => sql.raw(`json_extract("r"."value", '$[${i}]')`)), sql`, `)} FROM json_each(${P('rows')}) AS "r"`)),
);
/** A combined batch's creates insert their emails in one statement, after their user rows (merged runs keep the order they were first met in). */
const mergeEmailsOfCreates = (db: Database): MergeRule => ({
  key: 'user_emails:create',
  merge: (values) => ({
    statement: insertManyEmails(db),
    values: { rows: JSON.stringify(values.flatMap((v) => (v.tuples as EmailTuple[]).map((tuple) => [v.tenantId, v.userId, ...tuple]))) },
  }),
});

/** The user's email rows as one insert, if it has any; a new user's may merge with other creates' in a combined batch. */
function emailInserts(ctx: WriteContext, userId: string, data: ScimData, created = false): CompiledRun[] {
  const emails = emailTuples(data);
  if (!emails.length) return [];
  const run: CompiledRun = { statement: insertEmails(ctx.db), values: { tenantId: ctx.tenantId, userId, emails: JSON.stringify(emails) } };
  // `tuples`, which the statement alone does not bind, spares the merge parsing `emails` again.
  return [created ? { ...run, values: { ...run.values, tuples: emails }, merge: mergeEmailsOfCreates(ctx.db) } : run];
}

/**
 * POST /Users: creates a user; 409 uniqueness when the userName is taken. The unique index on
 * (tenant, lower(userName)) decides — no read first — and the insert returns the `seq` D1 assigned,
 * so a create is one D1 round trip.
 */
export async function createUser(ctx: WriteContext, body: unknown): Promise<UserRow> {
  const data = normalizeResource(USER_RESOURCE_TYPE, body, { tenantRoles: ctx.tenantRoles });
  requireStorable('User', JSON.stringify(data));
  const columns = userColumns(data);
  const at = now();
  const row = { id: crypto.randomUUID(), tenantId: ctx.tenantId, ...columns, data, version: 1, createdAt: at, updatedAt: at };
  // A lost reply after commit makes the retry collide with this very row: that is our create, not a 409.
  const ours = async () => {
    const stored = await findUserRow(ctx.db, ctx.tenantId, row.id);
    return stored ? [[{ seq: stored.seq, id: stored.id }]] : undefined;
  };
  const [inserted] = await commit(
    ctx,
    columns.userName,
    [
      { statement: insertUser(ctx.db), values: row, merge: mergeUserCreates(ctx.db) },
      ...emailInserts(ctx, row.id, data, true),
      countCreatedRun(ctx.db, 'User', row.id),
      auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action: 'user.create', resourceType: 'User', resourceId: row.id, outcome: 'success', status: 201 }),
      createdEvent(ctx, USER_RESOURCE_TYPE, row),
    ],
    ours,
  );
  const assigned = (inserted as Pick<UserRow, 'seq' | 'id'>[]).find((r) => r.id === row.id);
  if (!assigned) throw new Error(`the insert of user ${row.id} returned no row of it`);
  const created: UserRow = { ...row, seq: assigned.seq };
  ctx.users?.set(created);
  return created;
}

/** A user as a write left it, with its `groups` when the write's batch read them (no D1 call left for the response). */
export type WrittenUser = UserRow & { groups?: UserGroupRef[] };

/**
 * Stores `data` as the user's new state, unless it equals the current one (re-sends are no-ops);
 * the same batch returns the user's groups.
 */
async function update(ctx: WriteContext, current: UserRow, data: ScimData, action: string): Promise<WrittenUser> {
  const json = JSON.stringify(data);
  if (json === JSON.stringify(current.data)) return current;
  requireStorable('User', json);
  const columns = userColumns(data);
  if (foldCase(columns.userName) !== foldCase(current.userName)) await requireUniqueUserName(ctx, columns.userName, current.id);
  const next = { ...current, ...columns, data, version: current.version + 1, updatedAt: now() };
  // A new display shows in every group the user is in: those groups' versions move with it.
  const groupsShown = memberDisplay(next) === memberDisplay(current) ? touchGroups(ctx, [], next.updatedAt) : touchGroups(ctx, await groupIdsOf(ctx, current.id), next.updatedAt);
  ctx.users?.set(next);
  const groupsQuery: CompiledRun = { statement: oneUserGroups(ctx.db), values: { tenantId: ctx.tenantId, userId: current.id } };
  // A lost reply after commit makes the retry's version guard refuse this very update: D1 already holds `next`.
  const ours = async () => {
    const stored = await findUserRow(ctx.db, ctx.tenantId, current.id);
    if (stored?.version !== next.version || JSON.stringify(stored.data) !== json) return undefined;
    return batchCompiled(ctx.db.$client, [groupsQuery]);
  };
  const pending = commit(ctx, columns.userName, [
    { statement: updateUser(ctx.db, current, next), values: { ...columns, data, version: next.version, updatedAt: next.updatedAt, id: current.id, currentVersion: current.version } },
    versionGuard,
    ...groupsShown.runs,
    // Email rows follow the data: rewritten only when its emails changed (not for a deactivation).
    ...(sameEmails(current.data, data) ? [] : [{ statement: dropEmails(ctx.db), values: { userId: current.id } }, ...emailInserts(ctx, current.id, data)]),
    auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action, resourceType: 'User', resourceId: current.id, outcome: 'success', status: 200 }),
    ...optional(updatedEvent(ctx, USER_RESOURCE_TYPE, current, next)),
    groupsQuery,
  ], ours);
  groupsShown.mark(pending);
  const committed = await settledBeforeReuse(ctx.users, current.id, pending);
  const groupRows = committed.at(-1) as ReturnType<typeof oneUserGroups> extends { decode(row: never): infer G } ? G[] : never;
  // The guard after the UPDATE aborts the batch unless it changed the row: it holds `next`.
  return { ...next, groups: groupRefsByUser([current.id], groupRows).get(current.id) ?? [] };
}

function requireUser(ctx: WriteContext, id: string, ifMatch: string | undefined): Promise<UserRow> {
  return currentRow(ctx.users, ctx.tenantId, id, ifMatch, () => findUserRow(ctx.db, ctx.tenantId, id), notFound);
}

/** PUT /Users/{id}: replaces every writable attribute (RFC 7644 §3.5.1). */
export async function replaceUser(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): Promise<WrittenUser> {
  const current = await requireUser(ctx, id, ifMatch);
  return update(ctx, current, normalizeResource(USER_RESOURCE_TYPE, body, { tenantRoles: allowedRoles(ctx.tenantRoles, current.data) }), 'user.replace');
}

/** PATCH /Users/{id}: applies every operation or none (RFC 7644 §3.5.2). */
export async function patchUser(ctx: WriteContext, id: string, patch: PatchRequest, ifMatch: string | undefined): Promise<WrittenUser> {
  const current = await requireUser(ctx, id, ifMatch);
  const data = applyPatch(USER_RESOURCE_TYPE, { id: current.id, ...current.data }, patch.Operations, { tenantRoles: ctx.tenantRoles });
  return update(ctx, current, data, 'user.patch');
}

/** DELETE /Users/{id}: a hard delete; memberships and email rows go with it (foreign-key cascade). */
export async function deleteUser(ctx: WriteContext, id: string, ifMatch: string | undefined): Promise<void> {
  const current = await requireUser(ctx, id, ifMatch);
  // The groups it leaves (their memberships go by cascade) change too: their versions move first.
  const groupsLeft = touchGroups(ctx, await groupIdsOf(ctx, current.id), now());
  ctx.users?.delete(id);
  // A lost reply after commit makes the retry's version guard refuse this very delete: the row is gone already.
  const ours = async () => ((await findUserRow(ctx.db, ctx.tenantId, current.id)) ? undefined : []);
  const pending = commit(ctx, current.userName, [
    ...groupsLeft.runs,
    { statement: deleteUserRow(ctx.db), values: { id: current.id, currentVersion: current.version } },
    versionGuard,
    { statement: unbucketUser(ctx.db), values: { tenantId: ctx.tenantId, bucket: bucketOf(current.seq) } },
    auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action: 'user.delete', resourceType: 'User', resourceId: current.id, outcome: 'success', status: 204 }),
    deletedEvent(ctx, USER_RESOURCE_TYPE, current),
  ], ours);
  groupsLeft.mark(pending);
  await settledBeforeReuse(ctx.users, current.id, pending);
}
