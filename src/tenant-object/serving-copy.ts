/**
 * The tenant object's serving copy: the tenant's users, emails, groups and memberships in the
 * object's own SQLite, read with the same query code as D1 (src/tenant-object/object-sql.ts). D1
 * stays the system of record; the copy is derived from it and coherent with it
 * (docs/serving-copy.md):
 * - a write's D1 batch ends with the copy's *tail*: the rows that batch (or anything since the copy's
 *   watermark) changed, read inside the same transaction, and applied here once D1 has committed;
 * - the watermark is the tenant's change-log `seq` (gapless per tenant, src/events/event-log.ts):
 *   when the object starts, a copy whose watermark is not D1's catches up from the log, or is
 *   rebuilt from D1 when the log no longer reaches back to it, or the tables' schema changed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { directoryEvents, groupMembers, groups, userEmails, users } from '../db/schema.ts';

/** The D1 tables the copy holds, parents first. */
const COPIED_TABLES = ['groups', 'users', 'user_emails', 'group_members', 'page_buckets'] as const;
type CopiedTable = (typeof COPIED_TABLES)[number];

/** Rows copied per D1 call while rebuilding. */
const REBUILD_PAGE = 5000;
/** Past this many change-log events behind, a rebuild is cheaper than a catch-up. */
const MAX_CATCH_UP_EVENTS = 20_000;
/**
 * A catch-up re-reads rows updated this long before the newest the copy applied: enough for the
 * clocks of the object's instances (each `updated_at` is its writer's clock) to disagree.
 */
const CATCH_UP_OVERLAP_MS = 60_000;

type Row = Record<string, unknown>;

const dialect = new SQLiteAsyncDialect();
const toSql = (query: SQL) => dialect.sqlToQuery(query).sql;

// Numbered parameters: ?1 the tenant, ?2 the copy's watermark (seq), ?3 the oldest `updated_at` to read.
const changedEvents = sql`SELECT ${directoryEvents.seq} AS "seq", ${directoryEvents.type} AS "type",
  json_extract(${directoryEvents.data}, '$.object.id') AS "objectId",
  json_extract(${directoryEvents.data}, '$.group.id') AS "groupId",
  json_extract(${directoryEvents.data}, '$.user.id') AS "userId"
  FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1 AND ${directoryEvents.seq} > ?2`;

/** The statements of a tail, in order: events since the watermark, then the rows they and the batch changed. */
export const TAIL = {
  events: toSql(sql`${changedEvents} ORDER BY "seq"`),
  users: toSql(sql`SELECT * FROM ${users} WHERE ${users.tenantId} = ?1 AND ${users.updatedAt} >= ?3`),
  emails: toSql(sql`SELECT ${userEmails}.* FROM ${userEmails} JOIN ${users} ON ${users.id} = ${userEmails.userId} WHERE ${users.tenantId} = ?1 AND ${users.updatedAt} >= ?3`),
  groups: toSql(sql`SELECT * FROM ${groups} WHERE ${groups.tenantId} = ?1 AND ${groups.updatedAt} >= ?3`),
  members: toSql(
    sql`SELECT ${groupMembers}.* FROM ${groupMembers} JOIN (${changedEvents} AND ${directoryEvents.type} IN ('group.user_added', 'group.user_removed')) AS "e"
      ON ${groupMembers.groupId} = "e"."groupId" AND ${groupMembers.userId} = "e"."userId"`,
  ),
};

/** D1 wants exactly as many bound values as the highest `?N` a statement names. */
const parameterCount = (query: string) => Math.max(0, ...[...query.matchAll(/\?(\d+)/g)].map((m) => Number(m[1])));

/** Each tail statement with how many of (tenant, watermark, since) it binds: counted once, not per batch. */
const TAIL_STATEMENTS = Object.values(TAIL).map((query) => ({ query, bound: parameterCount(query) }));

function prepareTail(d1: D1Database, tenantId: string, seq: number, since: string): D1PreparedStatement[] {
  const values = [tenantId, seq, since];
  return TAIL_STATEMENTS.map(({ query, bound }) => d1.prepare(query).bind(...values.slice(0, bound)));
}

/** Where the copy stands against D1, read when the object starts. */
const STANDING = {
  schema: `SELECT "type", "name", "sql" FROM sqlite_master WHERE "tbl_name" IN (${COPIED_TABLES.map((t) => `'${t}'`).join(', ')}) AND "sql" IS NOT NULL ORDER BY "type" DESC, "name"`,
  log: toSql(
    sql`SELECT coalesce(max(${directoryEvents.seq}), 0) AS "last",
      (SELECT min(${directoryEvents.seq}) FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1 AND ${directoryEvents.seq} > ?2) AS "next"
      FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1`,
  ),
};

/** Rebuild pages, by `seq` (?2) or, for memberships, by (group, user) key (?2, ?3); ?1 the tenant, ?4 the page size. */
const REBUILD = {
  groups: toSql(sql`SELECT * FROM ${groups} WHERE ${groups.tenantId} = ?1 AND ${groups.seq} > ?2 ORDER BY ${groups.seq} LIMIT ?4`),
  users: toSql(sql`SELECT * FROM ${users} WHERE ${users.tenantId} = ?1 AND ${users.seq} > ?2 ORDER BY ${users.seq} LIMIT ?4`),
  emails: toSql(
    sql`SELECT ${userEmails}.* FROM ${userEmails} WHERE ${userEmails.userId} IN (SELECT ${users.id} FROM ${users} WHERE ${users.tenantId} = ?1 AND ${users.seq} > ?2 ORDER BY ${users.seq} LIMIT ?4)`,
  ),
  members: toSql(
    sql`SELECT ${groupMembers}.* FROM ${groupMembers} JOIN ${groups} ON ${groups.id} = ${groupMembers.groupId}
      WHERE ${groups.tenantId} = ?1 AND (${groupMembers.groupId}, ${groupMembers.userId}) > (?2, ?3)
      ORDER BY ${groupMembers.groupId}, ${groupMembers.userId} LIMIT ?4`,
  ),
};

/**
 * What the copy keeps beside the tables: the tenant's row (only the counters a list's total reads),
 * kept with the page buckets by triggers as the copy's rows come and go — D1's batches keep both
 * by statements of their own, which the copy does not replay.
 */
const LOCAL_SCHEMA = [
  `CREATE TABLE IF NOT EXISTS "copy_meta" ("key" text PRIMARY KEY NOT NULL, "value" text NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS "tenants" ("id" text PRIMARY KEY NOT NULL, "user_count" integer NOT NULL DEFAULT 0, "group_count" integer NOT NULL DEFAULT 0)`,
];
const counterTriggers = (table: 'users' | 'groups', resourceType: 'User' | 'Group', counter: string) => [
  `CREATE TRIGGER "copy_${table}_in" AFTER INSERT ON "${table}" BEGIN
     UPDATE "tenants" SET "${counter}" = "${counter}" + 1 WHERE "id" = new."tenant_id";
     INSERT INTO "page_buckets" VALUES (new."tenant_id", '${resourceType}', new."seq" >> 10, 1) ON CONFLICT DO UPDATE SET "count" = "count" + 1;
   END`,
  `CREATE TRIGGER "copy_${table}_out" AFTER DELETE ON "${table}" BEGIN
     UPDATE "tenants" SET "${counter}" = "${counter}" - 1 WHERE "id" = old."tenant_id";
     UPDATE "page_buckets" SET "count" = "count" - 1 WHERE "tenant_id" = old."tenant_id" AND "resource_type" = '${resourceType}' AND "bucket" = old."seq" >> 10;
   END`,
];
const TRIGGERS = [...counterTriggers('users', 'User', 'user_count'), ...counterTriggers('groups', 'Group', 'group_count')];

/** A change-log event as the tail reads it. */
interface ChangedEvent {
  seq: number;
  type: string;
  objectId: string | null;
  groupId: string | null;
  userId: string | null;
}

/** The rows one tail (or catch-up) read from D1. */
interface ChangedRows {
  events: ChangedEvent[];
  users: Row[];
  emails: Row[];
  groups: Row[];
  members: Row[];
}

/** Thrown when the copy cannot follow D1 by catching up: it is rebuilt. */
class CopyOutOfReach extends Error {}

/** How far the copy is: `seq` the change log's, `updatedAt` the newest row `updated_at` applied. */
interface Watermark {
  seq: number;
  updatedAt: string;
}

export class ServingCopy {
  readonly #storage: DurableObjectStorage;
  readonly #d1: D1Database;
  readonly #tenantId: string;
  /** Set once the copy was checked against D1 since the object started, and nothing has gone wrong since. */
  #current = false;

  constructor(storage: DurableObjectStorage, d1: D1Database, tenantId: string) {
    this.#storage = storage;
    this.#d1 = d1;
    this.#tenantId = tenantId;
  }

  /** Whether reads may be answered from the copy as it is (else `bringUpToDate` first). */
  get current(): boolean {
    return this.#current;
  }

  /**
   * The statements to end a write's D1 batch with, reading what changed since the watermark and
   * every row updated at or after `since` (the earliest time any write of the batch started);
   * undefined while the copy is not current (it will catch up from the log before it serves).
   */
  tail(since: string): D1PreparedStatement[] | undefined {
    if (!this.#current) return undefined;
    const { seq } = this.#watermark();
    return prepareTail(this.#d1, this.#tenantId, seq, since);
  }

  /** Applies a committed batch's tail results; a copy that cannot take them is rebuilt before it serves again. */
  applyTail(results: D1Result[]): void {
    try {
      this.#apply(toChangedRows(results));
    } catch (err) {
      this.#current = false;
      this.#writeMeta('rebuild', '1');
      console.warn(`serving copy of tenant ${this.#tenantId}: a tail did not apply (${String(err)}); rebuilding before the next read`);
    }
  }

  /** Brings the copy to D1's state: a catch-up from the change log, or a rebuild. Call with no write in flight. */
  async bringUpToDate(): Promise<void> {
    this.#ensureLocalSchema();
    const mark = this.#watermark();
    const [schemaRows, logRows] = await this.#d1.batch([this.#d1.prepare(STANDING.schema), this.#d1.prepare(STANDING.log).bind(this.#tenantId, mark.seq)]);
    const schema = (schemaRows!.results as { type: string; name: string; sql: string }[]).map((r) => r.sql);
    const { last, next } = logRows!.results[0] as { last: number; next: number | null };
    const fingerprint = schema.join(';\n');
    try {
      if (this.#readMeta('schema') !== fingerprint || this.#readMeta('rebuild') !== undefined) throw new CopyOutOfReach('schema');
      if (last < mark.seq || (last > mark.seq && next !== mark.seq + 1) || last - mark.seq > MAX_CATCH_UP_EVENTS) throw new CopyOutOfReach('log');
      if (last > mark.seq) {
        const since = mark.updatedAt === '' ? '' : new Date(Date.parse(mark.updatedAt) - CATCH_UP_OVERLAP_MS).toISOString();
        const results = await this.#d1.batch(prepareTail(this.#d1, this.#tenantId, mark.seq, since));
        try {
          this.#apply(toChangedRows(results));
        } catch (err) {
          throw new CopyOutOfReach(`catch-up did not apply: ${String(err)}`);
        }
      }
    } catch (err) {
      if (!(err instanceof CopyOutOfReach)) throw err;
      await this.#rebuild(schema, fingerprint, last);
    }
    this.#current = true;
  }

  /** Forgets the check (for a test that simulates a restart, and after a failure). */
  invalidate(): void {
    this.#current = false;
  }

  #apply(changed: ChangedRows): void {
    this.#storage.transactionSync(() => {
      const run = (query: string, ...values: unknown[]) => this.#storage.sql.exec(query, ...(values as SqlStorageValue[]));
      // Deletions first: a name a deleted row held may be taken by a row this tail brings.
      for (const e of changed.events) {
        if (e.type === 'user.deleted' && e.objectId) run(`DELETE FROM "users" WHERE "id" = ?`, e.objectId);
        if (e.type === 'group.deleted' && e.objectId) run(`DELETE FROM "groups" WHERE "id" = ?`, e.objectId);
      }
      this.#upsert('groups', changed.groups);
      this.#upsert('users', changed.users);
      for (const row of changed.users) run(`DELETE FROM "user_emails" WHERE "user_id" = ?`, row.id);
      this.#insert('user_emails', changed.emails);
      const present = new Set(changed.members.map((m) => `${String(m.group_id)}\u0000${String(m.user_id)}`));
      for (const e of changed.events) {
        if ((e.type === 'group.user_added' || e.type === 'group.user_removed') && e.groupId && e.userId && !present.has(`${e.groupId}\u0000${e.userId}`)) {
          run(`DELETE FROM "group_members" WHERE "group_id" = ? AND "user_id" = ?`, e.groupId, e.userId);
        }
      }
      this.#insert('group_members', changed.members, 'ON CONFLICT DO NOTHING');
      const mark = this.#watermark();
      const lastSeq = changed.events.reduce((max, e) => Math.max(max, e.seq), mark.seq);
      const newest = [...changed.users, ...changed.groups].reduce((max, r) => (String(r.updated_at) > max ? String(r.updated_at) : max), mark.updatedAt);
      this.#writeMeta('seq', String(lastSeq));
      this.#writeMeta('updatedAt', newest);
    });
  }

  /**
   * Inserts `rows` (D1's rows, all of one table) in one statement that reads them from one JSON
   * parameter: a statement per row cost more than the rows themselves.
   */
  #insert(table: CopiedTable, rows: Row[], conflict = ''): void {
    if (rows.length === 0) return;
    const columns = Object.keys(rows[0]!);
    const values = columns.map((c) => `json_extract("value", '$."${c}"')`);
    // `WHERE true`: SQLite would read an ON CONFLICT right after the SELECT's FROM as a join's ON.
    this.#storage.sql.exec(
      `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${values.join(', ')} FROM json_each(?) WHERE true ${conflict}`,
      JSON.stringify(rows),
    );
  }

  /** Inserts or updates user or group rows by their `seq` (one-to-one with their ids). */
  #upsert(table: 'users' | 'groups', rows: Row[]): void {
    if (rows.length === 0) return;
    const updates = Object.keys(rows[0]!).filter((c) => c !== 'seq').map((c) => `"${c}" = excluded."${c}"`);
    this.#insert(table, rows, `ON CONFLICT ("seq") DO UPDATE SET ${updates.join(', ')}`);
  }

  async #rebuild(schema: string[], fingerprint: string, lastSeq: number): Promise<void> {
    const run = (query: string, ...values: unknown[]) => this.#storage.sql.exec(query, ...(values as SqlStorageValue[]));
    this.#storage.transactionSync(() => {
      for (const table of [...COPIED_TABLES].reverse()) run(`DROP TABLE IF EXISTS "${table}"`);
      run(`DELETE FROM "tenants"`);
      run(`DELETE FROM "copy_meta"`);
      for (const statement of schema) run(statement);
      for (const trigger of TRIGGERS) run(trigger);
      run(`INSERT INTO "tenants" ("id") VALUES (?)`, this.#tenantId);
    });
    let newest = '';
    const copyPages = async (query: string[], after: (last: Row) => unknown[], into: CopiedTable[], start: unknown[]) => {
      let position = start;
      for (;;) {
        const results = await this.#d1.batch(query.map((q) => this.#d1.prepare(q).bind(this.#tenantId, ...position, REBUILD_PAGE)));
        const pages = results.map((r) => r.results as Row[]);
        this.#storage.transactionSync(() => pages.forEach((rows, i) => this.#insert(into[i]!, rows)));
        const main = pages[0]!;
        for (const row of main) if (typeof row.updated_at === 'string' && row.updated_at > newest) newest = row.updated_at;
        if (main.length < REBUILD_PAGE) return;
        position = after(main[main.length - 1]!);
      }
    };
    await copyPages([REBUILD.groups], (last) => [last.seq, null], ['groups'], [0, null]);
    await copyPages([REBUILD.users, REBUILD.emails], (last) => [last.seq, null], ['users', 'user_emails'], [0, null]);
    await copyPages([REBUILD.members], (last) => [last.group_id, last.user_id], ['group_members'], ['', '']);
    this.#storage.transactionSync(() => {
      this.#writeMeta('schema', fingerprint);
      this.#writeMeta('seq', String(lastSeq));
      this.#writeMeta('updatedAt', newest);
    });
  }

  #ensureLocalSchema(): void {
    for (const statement of LOCAL_SCHEMA) this.#storage.sql.exec(statement);
  }

  #watermark(): Watermark {
    return { seq: Number(this.#readMeta('seq') ?? 0), updatedAt: this.#readMeta('updatedAt') ?? '' };
  }

  #readMeta(key: string): string | undefined {
    return this.#storage.sql.exec<{ value: string }>(`SELECT "value" FROM "copy_meta" WHERE "key" = ?`, key).toArray()[0]?.value;
  }

  #writeMeta(key: string, value: string): void {
    this.#storage.sql.exec(`INSERT INTO "copy_meta" VALUES (?, ?) ON CONFLICT DO UPDATE SET "value" = excluded."value"`, key, value);
  }
}

function toChangedRows(results: D1Result[]): ChangedRows {
  const [events, usersRows, emails, groupRows, members] = results.map((r) => r.results as Row[]);
  return { events: events as unknown as ChangedEvent[], users: usersRows!, emails: emails!, groups: groupRows!, members: members! };
}
