/**
 * The directory snapshot (`GET /api/v1/tenants/{slug}/directory`): the tenant's users, then its
 * groups, then its memberships, paged in id order, each object as the change log's events carry it.
 * Every page names the `seq` the first page was read at; applying the feed after that seq to the
 * pages rebuilds the directory exactly, since each event sets the state it names (docs/interop.md 13).
 */
import { and, asc, eq, gt, or } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { groupMembers, groups, users } from '../db/schema.ts';
import { lastSeq } from '../events/event-feed.ts';
import { ApiProblem } from '../http/errors.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../scim/schema/resource-types.ts';
import { eventObject } from '../scim/storage/resource-events.ts';

const PHASES = ['users', 'groups', 'memberships'] as const;
type Phase = (typeof PHASES)[number];

/** Where the next page starts: the snapshot's seq, the phase, and the last key read in it. */
const cursorSchema = z.object({ seq: z.number().int().min(0), phase: z.enum(PHASES), after: z.string() });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor) => btoa(JSON.stringify(cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

function decodeCursor(text: string): Cursor {
  try {
    return cursorSchema.parse(JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/'))));
  } catch {
    throw new ApiProblem(400, 'cursor: not a cursor this API returned; start again without one.');
  }
}

export interface SnapshotPage {
  seq: number;
  users: unknown[];
  groups: unknown[];
  memberships: { groupId: string; userId: string }[];
  /** The cursor of the next page, or null after the last. */
  next: string | null;
}

/** One page of the snapshot of `tenant`: the first when `cursor` is absent. */
export async function snapshotPage(db: Database, tenant: { id: string }, baseUrl: string, limit: number, cursorText: string | undefined): Promise<SnapshotPage> {
  const cursor = cursorText === undefined ? { seq: await lastSeq(db, tenant.id), phase: 'users' as Phase, after: '' } : decodeCursor(cursorText);
  const page: SnapshotPage = { seq: cursor.seq, users: [], groups: [], memberships: [], next: null };
  let lastKey: string | undefined;
  if (cursor.phase === 'users') {
    const rows = await db.select().from(users).where(and(eq(users.tenantId, tenant.id), gt(users.id, cursor.after))).orderBy(asc(users.id)).limit(limit).all();
    page.users = rows.map((row) => eventObject(USER_RESOURCE_TYPE, row, baseUrl));
    lastKey = rows.at(-1)?.id;
    if (rows.length === limit) page.next = encodeCursor({ ...cursor, after: lastKey! });
  } else if (cursor.phase === 'groups') {
    const rows = await db.select().from(groups).where(and(eq(groups.tenantId, tenant.id), gt(groups.id, cursor.after))).orderBy(asc(groups.id)).limit(limit).all();
    page.groups = rows.map((row) => eventObject(GROUP_RESOURCE_TYPE, row, baseUrl));
    lastKey = rows.at(-1)?.id;
    if (rows.length === limit) page.next = encodeCursor({ ...cursor, after: lastKey! });
  } else {
    const [afterGroup = '', afterUser = ''] = cursor.after ? (JSON.parse(cursor.after) as [string, string]) : [];
    const rows = await db
      .select({ groupId: groupMembers.groupId, userId: groupMembers.userId })
      .from(groupMembers)
      .where(and(eq(groupMembers.tenantId, tenant.id), or(gt(groupMembers.groupId, afterGroup), and(eq(groupMembers.groupId, afterGroup), gt(groupMembers.userId, afterUser)))))
      .orderBy(asc(groupMembers.groupId), asc(groupMembers.userId))
      .limit(limit)
      .all();
    page.memberships = rows;
    const last = rows.at(-1);
    if (rows.length === limit && last) page.next = encodeCursor({ ...cursor, after: JSON.stringify([last.groupId, last.userId]) });
  }
  // A phase read to its end hands over to the next one (the last phase ends the snapshot).
  const following = PHASES[PHASES.indexOf(cursor.phase) + 1];
  if (page.next === null && following) page.next = encodeCursor({ seq: cursor.seq, phase: following, after: '' });
  return page;
}
