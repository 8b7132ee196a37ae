/**
 * The directory snapshot (`GET /api/v1/tenants/{slug}/directory`): the tenant's users, then its
 * groups, then its memberships, each object as the change log's events carry it. Paged along the
 * tenant's `(tenant_id, seq)` indexes (memberships by `membershipPage`), so a page reads its own
 * rows. Paged by id, each page of a 3,000-user tenant read and sorted all its users, and a page of
 * memberships by group id walked every tenant's.
 * Every page names the `seq` the first page was read at; applying the feed after that seq to the
 * pages rebuilds the directory exactly, since each event sets the state it names (docs/interop.md 13).
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../db/client.ts';
import { membershipPage, type MembershipPageRow } from '../db/membership-pages.ts';
import { groups, users } from '../db/schema.ts';
import { lastSeq } from '../events/event-feed.ts';
import { ApiProblem } from '../http/errors.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../scim/schema/resource-types.ts';
import { eventObject } from '../scim/storage/resource-events.ts';

const PHASES = ['users', 'groups', 'memberships'] as const;

/** Where the next page starts: the tenant it belongs to, the snapshot's seq, the phase, and the last `seq` read in it (a membership's: its group's, then its user id). */
const cursorSchema = z.object({ tenant: z.string(), seq: z.number().int().min(0), phase: z.enum(PHASES), after: z.number().int().min(0), afterUser: z.string().optional() });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor) => btoa(JSON.stringify(cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

const notOurs = () => new ApiProblem(400, 'cursor: not a cursor this API returned for this tenant; start again without one.');

function decodeCursor(text: string, tenantId: string): Cursor {
  let cursor: Cursor;
  try {
    cursor = cursorSchema.parse(JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/'))));
  } catch {
    throw notOurs();
  }
  if (cursor.tenant !== tenantId) throw notOurs();
  return cursor;
}

export interface SnapshotPage {
  seq: number;
  users: Record<string, unknown>[];
  groups: Record<string, unknown>[];
  memberships: { groupId: string; userId: string }[];
  /** The cursor of the next page, or null after the last. */
  next: string | null;
}

/** One page of the snapshot of `tenant`: the first when `cursor` is absent. */
export async function snapshotPage(db: Database, tenant: { id: string }, baseUrl: string, limit: number, cursorText: string | undefined): Promise<SnapshotPage> {
  const cursor: Cursor = cursorText === undefined ? { tenant: tenant.id, seq: await lastSeq(db, tenant.id), phase: 'users', after: 0 } : decodeCursor(cursorText, tenant.id);
  const page: SnapshotPage = { seq: cursor.seq, users: [], groups: [], memberships: [], next: null };
  if (cursor.phase === 'memberships') {
    const afterUser = cursor.afterUser ?? '';
    const rows = await db.all<MembershipPageRow>(membershipPage(tenant.id, cursor.after, afterUser, limit));
    page.memberships = rows.map((row) => ({ groupId: row.group_id, userId: row.user_id }));
    const last = rows.at(-1);
    if (rows.length === limit && last) page.next = encodeCursor({ ...cursor, after: last.group_seq, afterUser: last.user_id });
  } else {
    const [table, resourceType] = cursor.phase === 'users' ? [users, USER_RESOURCE_TYPE] : [groups, GROUP_RESOURCE_TYPE];
    const rows = await db.select().from(table).where(and(eq(table.tenantId, tenant.id), gt(table.seq, cursor.after))).orderBy(asc(table.seq)).limit(limit).all();
    page[cursor.phase] = rows.map((row) => eventObject(resourceType, row, baseUrl));
    const last = rows.at(-1);
    if (rows.length === limit && last) page.next = encodeCursor({ ...cursor, after: last.seq });
  }
  // A phase read to its end hands over to the next one (the last phase ends the snapshot).
  const following = PHASES[PHASES.indexOf(cursor.phase) + 1];
  if (page.next === null && following) page.next = encodeCursor({ tenant: tenant.id, seq: cursor.seq, phase: following, after: 0 });
  return page;
}
