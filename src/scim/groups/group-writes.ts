/**
 * Group writes (RFC 7644 §3.3, §3.5, §3.6), run only inside the tenant object's write queue. Each
 * is one D1 batch — group row, membership changes, page bucket, audit row — so a request applies
 * whole or not at all (interop decision 5). Membership changes touch only the members changed;
 * the group itself gets one UPDATE (version, lastModified). The unique index on
 * (tenant, lower(displayName)) and the version guard are the backstops.
 */
import { getTableColumns, sql } from 'drizzle-orm';
import { now } from '../../db/client.ts';
import { groups } from '../../db/schema.ts';
import { ScimError } from '../../http/errors.ts';
import { auditRun } from '../../audit/audit-log.ts';
import { applyPatch } from '../patch/apply.ts';
import { splitMemberOperations, type MemberChanges } from '../patch/members.ts';
import type { PatchRequest } from '../patch/request.ts';
import { bodyMemberIds } from '../model/members.ts';
import { requireStorable } from '../model/stored-size.ts';
import { normalizeResource, type ScimData } from '../model/normalize.ts';
import { commitCompiled } from '../storage/commit.ts';
import { compiledOnce, compiledPerChange, compileStatement, placeholdersOf, runOnce, type CompiledRun } from '../../db/compiled-statement.ts';
import { bucketOf, countCreatedRun, countDeleted } from '../storage/page-buckets.ts';
import { currentRow, settledBeforeReuse, versionGuard } from '../storage/version.ts';
import { GROUP_RESOURCE_TYPE } from '../schema/resource-types.ts';
import type { WriteContext } from '../storage/write-context.ts';
import type { RowMemory } from '../storage/row-memory.ts';
import { createdEvent, deletedEvent, optional, updatedEvent } from '../storage/resource-events.ts';
import { addMembers, firstMembers, keepOnlyMembers, memberAddedEvents, memberCount, memberRemovedEvents, membersAmong, membersLeavingEvents, membershipChangeAuditRun, removeMembers, touchAddedMembers, touchMembersAmong, touchMembersOf, touchUsers, unknownUserIds, type EventGroup, type MemberRow } from './group-members.ts';
import { displayNameHolder, findGroupRow, groupColumns, type GroupRow } from './group-rows.ts';
import { foldCase } from '../../common/fold-case.ts';


/** A group as its write left it, with its first members as the write's own batch read them (for the response). */
export type WrittenGroup = GroupRow & { firstMembers?: MemberRow[] };

/** How many unknown ids a 400 names. */
const UNKNOWN_IDS_SHOWN = 5;

const notFound = (id: string) => new ScimError(404, undefined, `Group "${id}" not found in this tenant.`);

function uniquenessError(displayName: string): ScimError {
  return new ScimError(409, 'uniqueness', `displayName "${displayName}" is already taken by another group of this tenant (displayName is case-insensitive); update that group or pick another name.`);
}

async function requireUniqueDisplayName(ctx: WriteContext, displayName: string, exceptId?: string): Promise<void> {
  if (await displayNameHolder(ctx.db, ctx.tenantId, displayName, exceptId)) throw uniquenessError(displayName);
}

/** Interop decision 3: every member must be a user of this tenant, or the request changes nothing. */
async function requireUsers(ctx: WriteContext, ids: readonly string[]): Promise<void> {
  // Users the tenant object remembers are users of this tenant (it is their only writer): only the others are looked up.
  const unseen = ctx.users ? ids.filter((id) => !ctx.users!.get(id)) : ids;
  const unknown = await unknownUserIds(ctx.db, ctx.tenantId, unseen, UNKNOWN_IDS_SHOWN + 1);
  if (unknown.length === 0) return;
  const named = unknown.slice(0, UNKNOWN_IDS_SHOWN).map((id) => `"${id}"`).join(', ');
  const more = unknown.length > UNKNOWN_IDS_SHOWN ? ' and more' : '';
  throw new ScimError(
    400,
    'invalidValue',
    `members: no user ${named}${more} in this tenant; a member's "value" must be the id of a User of this tenant (groups cannot be members). Nothing was changed.`,
  );
}

function commit(ctx: WriteContext, displayName: string, runs: CompiledRun[]) {
  return commitCompiled(ctx.db, runs, { resource: 'group', uniqueness: () => uniquenessError(displayName) });
}

const P = sql.placeholder;
const ROW_COLUMNS = getTableColumns(groups);
/** The indexed columns an update sets only when they change, and the columns every update sets. */
const INDEXED = ['displayName', 'externalId'] as const;
const EVERY_UPDATE = ['data', 'version', 'updatedAt'] as const;
/** A group's UPDATE under its version guard (every PATCH and PUT that changes more than members). */
const updateGroup = compiledPerChange<GroupRow, (typeof INDEXED)[number], GroupRow>(INDEXED, (db, changed) =>
  compileStatement<GroupRow>(
    db
      .update(groups)
      .set(placeholdersOf<GroupRow, (typeof INDEXED)[number] | (typeof EVERY_UPDATE)[number]>([...changed, ...EVERY_UPDATE]))
      .where(sql`${groups.id} = ${P('id')} AND ${groups.version} = ${P('currentVersion')}`)
      .returning(),
    ROW_COLUMNS,
  ),
);

/** A membership change as statements, only for the members it really changes, with a summary for the audit row. */
interface MembershipWrite {
  statements: CompiledRun[];
  detail: string;
  /** The users whose `groups` the change moves: their ids, or `some-unnamed` when not all are known here. */
  touched: string[] | 'some-unnamed';
}

/**
 * The statements that make the group's membership what `changes` asks: adds of current members
 * and removes of non-members are dropped (no-ops), so an unchanged membership yields none.
 */
async function membershipWrite(ctx: WriteContext, group: EventGroup, changes: MemberChanges, at: string, newGroup = false): Promise<MembershipWrite> {
  const { replaceAll } = changes;
  const groupId = group.id;
  if (replaceAll) {
    await requireUsers(ctx, replaceAll);
    const present = await membersAmong(ctx.db, groupId, replaceAll);
    const dropping = (await memberCount(ctx.db, groupId)) - present.size;
    const adding = replaceAll.filter((id) => !present.has(id));
    return {
      statements: [
        // The members leaving are not named here: their versions move before the delete finds them.
        ...(dropping > 0 ? [touchMembersOf(ctx.db, ctx.tenantId, groupId, at, replaceAll), membersLeavingEvents(ctx, group, replaceAll), keepOnlyMembers(ctx.db, groupId, replaceAll)] : []),
        ...(adding.length ? [memberAddedEvents(ctx, group, adding), addMembers(ctx.db, ctx.tenantId, groupId, adding, at), touchUsers(ctx.db, ctx.tenantId, adding, at)] : []),
      ],
      detail: `members replaced: +${adding.length} -${dropping}`,
      touched: dropping > 0 ? 'some-unnamed' : adding,
    };
  }
  await requireUsers(ctx, changes.add);
  // A group being created has no member yet: nothing to read.
  const present = newGroup ? new Set<string>() : await membersAmong(ctx.db, groupId, [...changes.add, ...changes.remove]);
  const adding = changes.add.filter((id) => !present.has(id));
  // Removing an id that is no member (or no user: Okta removes users it has deleted) is a no-op.
  const removing = changes.remove.filter((id) => present.has(id));
  const changed = [...adding, ...removing];
  return {
    statements: [
      ...(adding.length ? [memberAddedEvents(ctx, group, adding), addMembers(ctx.db, ctx.tenantId, groupId, adding, at)] : []),
      ...(removing.length ? [memberRemovedEvents(ctx, group, removing), removeMembers(ctx.db, groupId, removing)] : []),
      ...(changed.length ? [touchUsers(ctx.db, ctx.tenantId, changed, at)] : []),
    ],
    detail: `members: +${adding.length} -${removing.length}`,
    touched: changed,
  };
}

/** Marks the users a group write moves as written by `pending` in the object's memory (all of them when they are not named). */
function markUsers(ctx: WriteContext, touched: string[] | 'some-unnamed', pending: Promise<unknown>): void {
  if (touched === 'some-unnamed') ctx.users?.forgetAll(pending);
  else ctx.users?.forgetWhile(touched, pending);
}

const normalizeGroup = (ctx: WriteContext, body: unknown): ScimData => normalizeResource(GROUP_RESOURCE_TYPE, body, { tenantRoles: ctx.tenantRoles });

/** POST /Groups: creates a group with the body's members; 409 uniqueness when the displayName is taken. */
export async function createGroup(ctx: WriteContext, body: unknown): Promise<WrittenGroup> {
  const data = normalizeGroup(ctx, body);
  requireStorable('Group', JSON.stringify(data));
  const columns = groupColumns(data);
  await requireUniqueDisplayName(ctx, columns.displayName);
  const at = now();
  const row = { id: crypto.randomUUID(), tenantId: ctx.tenantId, ...columns, data, version: 1, createdAt: at, updatedAt: at };
  const members = await membershipWrite(ctx, row, { add: bodyMemberIds(body) ?? [], remove: [] }, at, true);
  const pending = commit(ctx, columns.displayName, [
    runOnce(ctx.db.insert(groups).values(row).returning(), ROW_COLUMNS),
    createdEvent(ctx, GROUP_RESOURCE_TYPE, row),
    ...members.statements,
    countCreatedRun(ctx.db, 'Group', row.id),
    auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action: 'group.create', resourceType: 'Group', resourceId: row.id, outcome: 'success', status: 201, detail: members.detail }),
    firstMembers(ctx.db, ctx.tenantId, row.id),
  ]);
  markUsers(ctx, members.touched, pending);
  const results = await pending;
  const created = results[0]![0] as GroupRow;
  ctx.groups?.set(created);
  return { ...created, firstMembers: results.at(-1) as MemberRow[] };
}

/**
 * Stores `data` and the membership change, unless neither changes anything (re-sends are no-ops);
 * `withMembers` reads the first members at the end of the write's batch, for a response that shows them.
 */
async function update(ctx: WriteContext, current: GroupRow, data: ScimData, changes: MemberChanges, action: string, withMembers: boolean): Promise<WrittenGroup> {
  const columns = groupColumns(data);
  if (foldCase(columns.displayName) !== foldCase(current.displayName)) await requireUniqueDisplayName(ctx, columns.displayName, current.id);
  const at = now();
  const next = { ...current, ...columns, data, version: current.version + 1, updatedAt: at };
  const members = await membershipWrite(ctx, next, changes, at);
  const json = JSON.stringify(data);
  if (members.statements.length === 0 && json === JSON.stringify(current.data)) return current;
  requireStorable('Group', json);
  ctx.groups?.set(next);
  // A new name shows in every member's `groups`: their versions move (before the membership changes, so leavers count too).
  const renamed = columns.displayName !== current.displayName;
  const pending = commit(ctx, columns.displayName, [
    { statement: updateGroup(ctx.db, current, next), values: { ...columns, data, version: current.version + 1, updatedAt: at, id: current.id, currentVersion: current.version } },
    versionGuard,
    ...optional(updatedEvent(ctx, GROUP_RESOURCE_TYPE, current, next)),
    ...(renamed ? [touchMembersOf(ctx.db, ctx.tenantId, current.id, at)] : []),
    ...members.statements,
    auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action, resourceType: 'Group', resourceId: current.id, outcome: 'success', status: 200, detail: members.detail }),
    ...(withMembers ? [firstMembers(ctx.db, ctx.tenantId, current.id)] : []),
  ]);
  markUsers(ctx, renamed ? 'some-unnamed' : members.touched, pending);
  const results = await settledBeforeReuse(ctx.groups, current.id, pending);
  // The guard after the UPDATE aborts the batch unless it changed the row, so it returned one.
  const updated = results[0]![0] as GroupRow;
  return withMembers ? { ...updated, firstMembers: results.at(-1) as MemberRow[] } : updated;
}

/** The group is still at the version the write decided on: first in a batch whose UPDATE may rightly change nothing. */
const versionStill = compiledOnce(() =>
  compileStatement(sql`SELECT json('version conflict') WHERE NOT EXISTS (SELECT 1 FROM ${groups} WHERE ${groups.id} = ${P('id')} AND ${groups.version} = ${P('currentVersion')})`),
);
/** Bumps the group's version only if the statement before it changed something. */
const bumpIfChanged = compiledOnce((db) =>
  compileStatement<GroupRow>(
    db
      .update(groups)
      .set(placeholdersOf<GroupRow, 'version' | 'updatedAt'>(['version', 'updatedAt']))
      .where(sql`${groups.id} = ${P('id')} AND ${groups.version} = ${P('currentVersion')} AND changes() > 0`)
      .returning(),
    ROW_COLUMNS,
  ),
);

/**
 * A PATCH that only adds and removes members, decided in its batch instead of after a
 * read of the membership (which waited for every write handed in before it): the delete skips
 * non-members and the insert current members; the audit row counts the events they wrote, and the
 * version bump follows only if it was written, so a re-sent change stays a no-op (204, version
 * unchanged). A later write of this group waits for this one's commit.
 */
async function membersChange(ctx: WriteContext & { groups: RowMemory<GroupRow> }, current: GroupRow, add: string[], remove: string[]): Promise<GroupRow> {
  await requireUsers(ctx, add);
  const at = now();
  const next = { ...current, version: current.version + 1 };
  const audit = { tenantId: ctx.tenantId, actor: ctx.actor, action: 'group.patch', resourceType: 'Group', resourceId: current.id, outcome: 'success', status: 200 } as const;
  const bump: CompiledRun = { statement: bumpIfChanged(ctx.db), values: { version: next.version, updatedAt: at, id: current.id, currentVersion: current.version } };
  const statements = [
    { statement: versionStill(ctx.db), values: { id: current.id, currentVersion: current.version } },
    // Removing an id that is no member (or no user: Okta removes users it has deleted) is a no-op.
    ...(remove.length ? [memberRemovedEvents(ctx, next, remove), touchMembersAmong(ctx.db, ctx.tenantId, current.id, remove, at), removeMembers(ctx.db, current.id, remove)] : []),
    ...(add.length ? [memberAddedEvents(ctx, next, add), addMembers(ctx.db, ctx.tenantId, current.id, add, at), touchAddedMembers(ctx.db, current.id, add, at)] : []),
    membershipChangeAuditRun(ctx.db, audit, next, add.length + remove.length),
    bump,
  ];
  const write = commit(ctx, current.displayName, statements).then(
    (results) => {
      const row = (results[statements.indexOf(bump)]![0] as GroupRow | undefined) ?? current;
      ctx.groups.set(row);
      return row;
    },
    (err: unknown) => {
      ctx.groups.delete(current.id);
      throw err;
    },
  );
  markUsers(ctx, [...add, ...remove], write);
  return settledBeforeReuse(ctx.groups, current.id, write);
}

function requireGroup(ctx: WriteContext, id: string, ifMatch: string | undefined): Promise<GroupRow> {
  return currentRow(ctx.groups, ctx.tenantId, id, ifMatch, () => findGroupRow(ctx.db, ctx.tenantId, id), notFound);
}

/**
 * PUT /Groups/{id}: replaces every writable attribute (RFC 7644 §3.5.1). `members` in the body
 * replaces the membership (`[]` or null clears it); a body without `members` keeps it, which
 * RFC 7644 §3.5.1 allows and which spares a group a wipe by a client that only renames.
 */
export async function replaceGroup(ctx: WriteContext, id: string, body: unknown, ifMatch: string | undefined): Promise<WrittenGroup> {
  const current = await requireGroup(ctx, id, ifMatch);
  const data = normalizeGroup(ctx, body);
  const ids = bodyMemberIds(body);
  return update(ctx, current, data, { add: [], remove: [], ...(ids ? { replaceAll: ids } : {}) }, 'group.replace', true);
}

/** PATCH /Groups/{id}: attribute operations through `applyPatch`, `members` operations against the membership table; all or none (RFC 7644 §3.5.2). */
export async function patchGroup(ctx: WriteContext, id: string, patch: PatchRequest, ifMatch: string | undefined): Promise<GroupRow> {
  const current = await requireGroup(ctx, id, ifMatch);
  const { memberChanges, rest } = splitMemberOperations(patch.Operations);
  const { add, remove, replaceAll } = memberChanges;
  // The fold nets out an id both added and removed, so `add` and `remove` never share one.
  if (ctx.groups && rest.length === 0 && !replaceAll && add.length + remove.length > 0) {
    return membersChange({ ...ctx, groups: ctx.groups }, current, add, remove);
  }
  const data = rest.length ? applyPatch(GROUP_RESOURCE_TYPE, { id: current.id, ...current.data }, rest, { tenantRoles: ctx.tenantRoles }) : current.data;
  // PATCH answers 204 without the group: no members to read.
  return update(ctx, current, data, memberChanges, 'group.patch', false);
}

/** DELETE /Groups/{id}: its memberships go with it (foreign-key cascade); its users stay. */
export async function deleteGroup(ctx: WriteContext, id: string, ifMatch: string | undefined): Promise<void> {
  const current = await requireGroup(ctx, id, ifMatch);
  ctx.groups?.delete(id);
  const at = now();
  const pending = commit(ctx, current.displayName, [
    // Its members lose it from their `groups` (the memberships go by cascade): their versions move first.
    touchMembersOf(ctx.db, ctx.tenantId, current.id, at),
    runOnce(ctx.db.delete(groups).where(sql`${groups.id} = ${current.id} AND ${groups.version} = ${current.version}`)),
    versionGuard,
    runOnce(countDeleted(ctx.db, ctx.tenantId, 'Group', bucketOf(current.seq))),
    auditRun(ctx.db, { tenantId: ctx.tenantId, actor: ctx.actor, action: 'group.delete', resourceType: 'Group', resourceId: current.id, outcome: 'success', status: 204 }),
    deletedEvent(ctx, GROUP_RESOURCE_TYPE, current),
  ]);
  markUsers(ctx, 'some-unnamed', pending);
  await settledBeforeReuse(ctx.groups, current.id, pending);
}
