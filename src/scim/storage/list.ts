/**
 * One page of a filtered, sorted resource list (RFC 7644 §3.4.2), for Users and Groups alike.
 * Pages are positions in the tenant's current order, computed from D1 for every request: the
 * default order is insertion order (`seq`), and an unfiltered page finds its start through
 * `page_buckets` (page-buckets.ts), so page N costs what page 1 costs. Filtered and `sortBy` pages
 * take an OFFSET, which grows with the page's position. No isolate remembers where a page ended:
 * such memory cannot see deletes or rows entering a filter elsewhere, and made walks repeat or skip.
 */
import { BoundedMap } from '../../common/bounded-map.ts';
import { and, asc, count as countRows, desc, eq, getTableColumns, sql, type SQL } from 'drizzle-orm';
import type { SQLiteSelect } from 'drizzle-orm/sqlite-core';
import type { Database } from '../../db/client.ts';
import { groups, users } from '../../db/schema.ts';
import { parseFilter } from '../filter/parser.ts';
import { filterTemplate, sortColumn } from '../filter/to-sql.ts';
import { matchesAtMostOne } from '../filter/single-match.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import { batchCompiled, compileStatement, renderFragment, type CompiledStatement } from '../../db/compiled-statement.ts';
import type { ListQuery } from './list-query.ts';
import { positionedPage } from './page-buckets.ts';
import { heldCount } from '../../db/held-resources.ts';

type ResourceTable = typeof users | typeof groups;

/** A page of rows and the total number of matches. */
export interface Page<Row> {
  totalResults: number;
  rows: Row[];
}

/** How a page finds its first row: through `page_buckets`, or by OFFSET. */
type PageMode = 'bucket' | 'offset';

/** A list's batch compiled: the count (unless the page is the whole answer), and the page. */
interface ListStatements {
  count: CompiledStatement<unknown> | undefined;
  page: CompiledStatement<unknown>;
}

/** Compiled batches by shape (resource type, mode, order, filter text); values are bound per request. */
const MAX_SHAPES = 512;
const shapes = new BoundedMap<string, ListStatements>(MAX_SHAPES);

/** `count(*)`, decoded as drizzle's `count()` decodes it. */
const COUNT_DECODER = { mapFromDriverValue: Number };

const P = {
  tenantId: sql.placeholder('tenantId'),
  startIndex: sql.placeholder('startIndex'),
  count: sql.placeholder('count'),
  offset: sql.placeholder('offset'),
};

/** Builds a shape's statements with drizzle, with placeholders for every per-request value. */
function compileShape(
  db: Database,
  resourceType: ResourceTypeDefinition,
  table: ResourceTable,
  mode: PageMode,
  query: ListQuery,
  filter: SQL | undefined,
  counted: boolean,
): ListStatements {
  // A filter's condition holds its tenant term: written so that SQLite starts from a lookup's ids when it has one.
  const where = filter ?? eq(table.tenantId, P.tenantId);
  const count = filter ? db.select({ n: countRows() }).from(table).where(where) : sql`SELECT ${heldCount(P.tenantId, table === users ? 'User' : 'Group')}`;
  const order: SQL[] = query.sortBy === undefined ? [asc(table.seq)] : [query.sortOrder === 'descending' ? desc(sortColumn(resourceType, query.sortBy)) : asc(sortColumn(resourceType, query.sortBy)), asc(table.seq)];
  const pageOf = <Q extends SQLiteSelect>(q: Q) => {
    // The whole answer, at most one row: nothing to order, limit or skip (a bound LIMIT alone doubled an Okta lookup's statement time in the object's SQLite).
    if (!counted) return q.where(where);
    return mode === 'bucket'
      ? q.where(and(where, positionedPage(table, P.tenantId, table === users ? 'User' : 'Group', P.startIndex, P.count))).orderBy(...order).limit(P.count)
      : q.where(where).orderBy(...order).limit(P.count).offset(P.offset);
  };
  const page = pageOf(db.select().from(table as ResourceTable).$dynamic());
  return { count: counted ? compileStatement(count, { n: COUNT_DECODER }) : undefined, page: compileStatement(page, getTableColumns(table as ResourceTable)) };
}

/**
 * Rows `startIndex … startIndex+count-1` of the tenant's resources matching `query.filter`, in
 * `sortBy` order (then `seq`), and how many match in all (the sum of its page buckets when unfiltered; the
 * rows themselves for the first page of a filter at most one resource matches). The count and
 * the page go as one batch. The batch's SQL is compiled once per shape.
 */
export async function listPage<T extends ResourceTable>(db: Database, tenantId: string, resourceType: ResourceTypeDefinition, table: T, query: ListQuery): Promise<Page<T['$inferSelect']>> {
  const ast = query.filter === undefined || query.filter.trim() === '' ? undefined : parseFilter(query.filter);
  // The compiler hands the filter's values out as placeholders: the statement compiled for its shape serves any values.
  const filter = ast && filterTemplate(resourceType, ast, tenantId);
  // A first page of a filter only one resource can match holds every match: its rows are the count.
  const counted = !(ast && query.startIndex === 1 && query.count > 0 && matchesAtMostOne(resourceType, ast));
  // Unfiltered default-order pages start from their bucket; filtered or sorted ones take the offset.
  const mode: PageMode = query.sortBy === undefined && !filter ? 'bucket' : 'offset';

  const values: Record<string, unknown> = { tenantId, startIndex: query.startIndex, count: query.count, offset: query.startIndex - 1, ...filter?.values };
  const filterKey = filter ? renderFragment(filter.template).sql : '';
  const key = [resourceType.name, mode, query.sortBy ?? '', query.sortOrder ?? '', counted ? '' : 'uncounted', filterKey].join('\u0000');
  let statements = shapes.get(key);
  if (!statements) {
    statements = compileShape(db, resourceType, table, mode, query, filter?.template, counted);
    shapes.set(key, statements);
  }

  const runs = [...(statements.count ? [statements.count] : []), statements.page].map((statement) => ({ statement, values }));
  const results = await batchCompiled(db.$client, runs);
  const found = results.at(-1)!;
  const totalResults = statements.count ? ((results[0]?.[0] as { n: number } | undefined)?.n ?? 0) : found.length;
  if (query.count === 0 || query.startIndex > totalResults) return { totalResults, rows: [] };
  return { totalResults, rows: found as T['$inferSelect'][] };
}
