/**
 * Read-only directory pages for the host application (the management API's `/users` and `/groups`,
 * the binding's `users()`): the SCIM filter grammar, pages in insertion order (`seq`) after an
 * opaque cursor. A cursor names the last row read, so a walk neither repeats nor skips a row that
 * stays while others are created or deleted (a position would: docs/interop.md 10 and 15). Objects are
 * shaped as the change log carries them, without memberships (decision 13).
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client.ts';
import { groups, users } from '../../db/schema.ts';
import { ScimError } from '../../http/errors.ts';
import { userAccess } from '../../tenants/access.ts';
import { parseFilter } from '../filter/parser.ts';
import { filterToSql } from '../filter/to-sql.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/resource-types.ts';
import { eventObject } from './resource-events.ts';

export type DirectoryResource = 'users' | 'groups';

/** Page size bounds shared by every reader of these pages. */
export const MAX_DIRECTORY_PAGE = 500;

const cursorSchema = z.object({ tenant: z.string(), resource: z.enum(['users', 'groups']), seq: z.number().int().min(0) });
type Cursor = z.infer<typeof cursorSchema>;

const encodeCursor = (cursor: Cursor) => btoa(JSON.stringify(cursor)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** Why a page cannot be read: a filter SCIM would refuse, or a cursor that is not this list's. */
export class DirectoryQueryError extends Error {
  override name = 'DirectoryQueryError';
  readonly field: 'filter' | 'cursor';
  constructor(field: 'filter' | 'cursor', message: string) {
    super(`${field}: ${message}`);
    this.field = field;
  }
}

function decodeCursor(text: string, tenantId: string, resource: DirectoryResource): Cursor {
  let cursor: Cursor | undefined;
  try {
    cursor = cursorSchema.parse(JSON.parse(atob(text.replace(/-/g, '+').replace(/_/g, '/'))));
  } catch {
    cursor = undefined;
  }
  if (!cursor || cursor.tenant !== tenantId || cursor.resource !== resource) throw new DirectoryQueryError('cursor', `not a cursor this list returned for this tenant's ${resource}; start again without one.`);
  return cursor;
}

export interface DirectoryQuery {
  filter?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export interface DirectoryPage {
  data: Record<string, unknown>[];
  /** The cursor of the next page, or null after the last. */
  next: string | null;
}

/** A page of the tenant's users or groups matching `query.filter`, after `query.cursor`. */
export async function directoryPage(db: Database, tenant: { id: string }, resource: DirectoryResource, baseUrl: string, query: DirectoryQuery): Promise<DirectoryPage> {
  const [table, resourceType] = resource === 'users' ? [users, USER_RESOURCE_TYPE] : [groups, GROUP_RESOURCE_TYPE];
  const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, tenant.id, resource).seq;
  let filter;
  try {
    filter = query.filter === undefined || query.filter.trim() === '' ? undefined : filterToSql(resourceType, parseFilter(query.filter), tenant.id);
  } catch (err) {
    if (err instanceof ScimError) throw new DirectoryQueryError('filter', err.message);
    throw err;
  }
  const limit = Math.min(MAX_DIRECTORY_PAGE, Math.max(1, query.limit));
  // One row past the page tells whether there is a next one.
  const rows = await db
    .select()
    .from(table as typeof users)
    .where(and(eq(table.tenantId, tenant.id), gt(table.seq, after), filter))
    .orderBy(asc(table.seq))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    data: page.map((row) => eventObject(resourceType, row, baseUrl)),
    next: rows.length > limit && last ? encodeCursor({ tenant: tenant.id, resource, seq: last.seq }) : null,
  };
}

/** One user as the directory shows it, with the role and group names sign-in would give them now. */
export async function directoryUser(db: Database, tenant: { id: string }, baseUrl: string, userId: string): Promise<Record<string, unknown> | undefined> {
  const [row, access] = await Promise.all([
    db.select().from(users).where(and(eq(users.tenantId, tenant.id), eq(users.id, userId))).get(),
    userAccess(db, tenant.id, userId),
  ]);
  if (!row || !access) return undefined;
  return { ...eventObject(USER_RESOURCE_TYPE, row, baseUrl), role: access.role, groupNames: access.scimGroups };
}
