/**
 * One page of a filtered, sorted resource list (RFC 7644 §3.4.2), for Users and Groups alike.
 * The default order is insertion order (`seq`); sequential pages seek past the previous page's
 * last `seq`, and an unfiltered page this isolate has not seen the start of finds it through
 * `page_buckets` (page-buckets.ts), so page N costs what page 1 costs. Filtered and `sortBy` pages
 * whose start is not remembered still take an OFFSET, which grows with the page's position.
 */
import { and, asc, count as countRows, desc, eq, gt, type SQL } from 'drizzle-orm';
import type { BatchItem } from 'drizzle-orm/batch';
import type { SQLiteSelect } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client.ts';
import { groups, tenants, users } from '../../db/schema.ts';
import { parseFilter } from '../filter/parser.ts';
import { filterToSql, sortColumn } from '../filter/to-sql.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { ListQuery } from './list-query.ts';
import { positionedPage } from './page-buckets.ts';

type ResourceTable = typeof users | typeof groups;

/** The last `seq` of a served page, keyed by everything that defines the page sequence. */
const pageEnds = new Map<string, number>();
const MAX_REMEMBERED_PAGES = 2048;

function rememberPageEnd(key: string, seq: number): void {
  if (pageEnds.size >= MAX_REMEMBERED_PAGES) pageEnds.delete(pageEnds.keys().next().value!);
  pageEnds.set(key, seq);
}

/** Forgets every remembered page end, as a fresh isolate would have none (tests of the cold path). */
export function forgetPageEnds(): void {
  pageEnds.clear();
}

/** A page of rows and the total number of matches. */
export interface Page<Row> {
  totalResults: number;
  rows: Row[];
}

/** A statement that answers something about a page's rows, given the SQL selecting their ids. */
export type Alongside<R> = (pageIds: SQL) => BatchItem<'sqlite'> & PromiseLike<R>;

/**
 * Rows `startIndex … startIndex+count-1` of the tenant's resources matching `query.filter`, in
 * `sortBy` order (then `seq`), and how many match in all (`tenants.*_count` when unfiltered). The
 * count, the page and `alongside` (e.g. the page's users' groups, given the page's ids as a
 * subquery) go to D1 as one batch: one round trip.
 */
export async function listPage<T extends ResourceTable, R = never>(
  db: Database,
  tenantId: string,
  resourceType: ResourceTypeDefinition,
  table: T,
  query: ListQuery,
  alongside?: Alongside<R>,
): Promise<Page<T['$inferSelect']> & { alongside?: R }> {
  const filter = query.filter === undefined || query.filter.trim() === '' ? undefined : filterToSql(resourceType, parseFilter(query.filter), tenantId);
  const where = and(eq(table.tenantId, tenantId), filter)!;
  const count = filter ? db.select({ n: countRows() }).from(table).where(where) : db.select({ n: table === users ? tenants.userCount : tenants.groupCount }).from(tenants).where(eq(tenants.id, tenantId));

  const seekKey = `${tenantId}|${resourceType.name}|${query.filter ?? ''}`;
  const after = query.sortBy !== undefined ? undefined : query.startIndex === 1 ? 0 : pageEnds.get(`${seekKey}|${query.startIndex}`);
  const order: SQL[] = query.sortBy === undefined ? [asc(table.seq)] : [query.sortOrder === 'descending' ? desc(sortColumn(resourceType, query.sortBy)) : asc(sortColumn(resourceType, query.sortBy)), asc(table.seq)];
  // Sequential pages in default order seek past the last page's `seq`; other unfiltered default-order
  // pages start from their bucket; filtered or sorted ones take the offset.
  const bucketed = after === undefined && query.sortBy === undefined && !filter;
  const pageOf = <Q extends SQLiteSelect>(q: Q) =>
    after !== undefined
      ? q.where(and(where, gt(table.seq, after))).orderBy(...order).limit(query.count)
      : bucketed
        ? q.where(and(where, positionedPage(table, tenantId, table === users ? 'User' : 'Group', query.startIndex, query.count))).orderBy(...order).limit(query.count)
        : q.where(where).orderBy(...order).limit(query.count).offset(query.startIndex - 1);
  const page = () => pageOf(db.select().from(table as ResourceTable).$dynamic());
  const pageIds = () => pageOf(db.select({ id: table.id }).from(table as ResourceTable).$dynamic());
  const statements = [count, page()] as const;
  const [[counted], found, extra] = alongside
    ? await db.batch([...statements, alongside(pageIds().getSQL())])
    : [...(await db.batch(statements)), undefined];
  const totalResults = counted?.n ?? 0;
  if (query.count === 0 || query.startIndex > totalResults) return { totalResults, rows: [] };
  const rows = found as T['$inferSelect'][];
  const last = rows.at(-1);
  if (query.sortBy === undefined && last && rows.length === query.count) rememberPageEnd(`${seekKey}|${query.startIndex + query.count}`, last.seq);
  return { totalResults, rows, ...(extra === undefined ? {} : { alongside: extra as R }) };
}

