/**
 * One page of a filtered, sorted resource list (RFC 7644 §3.4.2), for Users and Groups alike.
 * The default order is insertion order (`seq`); sequential pages seek past the previous page's
 * last `seq` instead of an OFFSET scan, so page N costs what page 1 costs.
 */
import { and, asc, count as countRows, desc, eq, gt, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client.ts';
import { groups, tenants, users } from '../../db/schema.ts';
import { parseFilter } from '../filter/parser.ts';
import { filterToSql, sortColumn } from '../filter/to-sql.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { ListQuery } from './list-query.ts';

type ResourceTable = typeof users | typeof groups;

/** The last `seq` of a served page, keyed by everything that defines the page sequence. */
const pageEnds = new Map<string, number>();
const MAX_REMEMBERED_PAGES = 2048;

function rememberPageEnd(key: string, seq: number): void {
  if (pageEnds.size >= MAX_REMEMBERED_PAGES) pageEnds.delete(pageEnds.keys().next().value!);
  pageEnds.set(key, seq);
}

/** A page of rows and the total number of matches. */
export interface Page<Row> {
  totalResults: number;
  rows: Row[];
}

/**
 * Rows `startIndex … startIndex+count-1` of the tenant's resources matching `query.filter`, in
 * `sortBy` order (then `seq`), and how many match in all (`tenants.*_count` when unfiltered).
 */
export async function listPage<T extends ResourceTable>(
  db: Database,
  tenantId: string,
  resourceType: ResourceTypeDefinition,
  table: T,
  query: ListQuery,
): Promise<Page<T['$inferSelect']>> {
  const filter = query.filter === undefined || query.filter.trim() === '' ? undefined : filterToSql(resourceType, parseFilter(query.filter), tenantId);
  const where = and(eq(table.tenantId, tenantId), filter);
  const totalResults = filter ? await countMatches(db, table, where!) : await storedCount(db, tenantId, table);
  if (query.count === 0 || query.startIndex > totalResults) return { totalResults, rows: [] };

  const seekKey = `${tenantId}|${resourceType.name}|${query.filter ?? ''}`;
  if (query.sortBy === undefined) {
    const after = query.startIndex === 1 ? 0 : pageEnds.get(`${seekKey}|${query.startIndex}`);
    const base = db.select().from(table as ResourceTable).orderBy(asc(table.seq)).limit(query.count).$dynamic();
    const rows = (after === undefined
      ? await base.where(where).offset(query.startIndex - 1).all()
      : await base.where(and(where, gt(table.seq, after))).all()) as T['$inferSelect'][];
    const last = rows.at(-1);
    if (last && rows.length === query.count) rememberPageEnd(`${seekKey}|${query.startIndex + query.count}`, last.seq);
    return { totalResults, rows };
  }
  const key = sortColumn(resourceType, query.sortBy);
  const order: SQL = query.sortOrder === 'descending' ? desc(key) : asc(key);
  const rows = (await db
    .select()
    .from(table as ResourceTable)
    .where(where)
    .orderBy(order, asc(table.seq))
    .limit(query.count)
    .offset(query.startIndex - 1)
    .all()) as T['$inferSelect'][];
  return { totalResults, rows };
}

async function countMatches(db: Database, table: ResourceTable, where: SQL): Promise<number> {
  const row = await db.select({ n: countRows() }).from(table).where(where).get();
  return row?.n ?? 0;
}

async function storedCount(db: Database, tenantId: string, table: ResourceTable): Promise<number> {
  const column = table === users ? tenants.userCount : tenants.groupCount;
  const row = await db.select({ n: column }).from(tenants).where(eq(tenants.id, tenantId)).get();
  return row?.n ?? 0;
}
