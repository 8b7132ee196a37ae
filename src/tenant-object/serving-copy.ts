/**
 * The tenant object's serving copy: the tenant's users, emails, groups and memberships in the
 * object's own SQLite, read with the same query code as D1 (src/tenant-object/object-sql.ts). D1
 * stays the system of record; the copy is derived from it and coherent with it
 * (docs/serving-copy.md):
 * - a write's D1 batch ends with the copy's *tail*: the rows the change-log events since the copy's
 *   watermark name, read inside the same transaction, and applied here once D1 has committed with
 *   the rows the batch's statements returned (those a write changes with no event naming them);
 * - the watermark is the tenant's change-log `seq` (gapless per tenant, src/events/event-log.ts):
 *   when the object starts, a copy whose watermark is not D1's catches up from the log, or is
 *   rebuilt from D1 when the log no longer reaches back to it, or the tables' schema changed;
 * - a rebuild copies a page at a time and resumes where it stopped (its position is stored with the
 *   page it copied); the copy follows every write meanwhile, and reads go to D1 until it is whole.
 */
import { sql, type SQL } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { membershipPage } from '../db/membership-pages.ts';
import { COPIED_COLUMNS, rowJson, type CopiedTable, type CopyRow } from '../db/row-json.ts';
import { directoryEvents, groupMembers, groups, userEmails, users } from '../db/schema.ts';

/** The D1 tables the copy holds, parents first. */
const COPIED_TABLES = ['groups', 'users', 'user_emails', 'group_members', 'page_buckets'] as const;

/** Rows copied per D1 call while rebuilding (per table: a users page brings their emails too). */
const REBUILD_PAGE_ROWS = 5000;
/** Past this many change-log events behind, a rebuild is cheaper than a catch-up. */
const MAX_CATCH_UP_EVENTS = 20_000;
/**
 * After a deletion, a catch-up reads the rows updated since this long before it: the deletion's
 * event and the versions it moved take their times from one instance's clock, a moment apart.
 */
const CLOCK_OVERLAP_MS = 60_000;

type Row = Record<string, unknown>;

const dialect = new SQLiteAsyncDialect();
const toSql = (query: SQL) => dialect.sqlToQuery(query).sql;

// Numbered parameters: ?1 the tenant, ?2 the copy's watermark (seq).
const changedEvents = sql`SELECT ${directoryEvents.seq} AS "seq", ${directoryEvents.type} AS "type",
  json_extract(${directoryEvents.data}, '$.object.id') AS "objectId",
  json_extract(${directoryEvents.data}, '$.group.id') AS "groupId",
  json_extract(${directoryEvents.data}, '$.user.id') AS "userId", ${directoryEvents.occurredAt} AS "occurredAt"
  FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1 AND ${directoryEvents.seq} > ?2`;

/** The parts of a tail, as its rows name them. */
const TAIL_PARTS = ['events', 'users', 'emails', 'groups', 'members'] as const;
type TailPart = (typeof TAIL_PARTS)[number];

/**
 * The users, their emails, and the groups whose ids the CTEs "uid" and "gid" hold, as tail rows:
 * (part, id, the row as JSON text). Each row is a probe of the `id` index.
 */
const rowsById = sql`SELECT 'users' AS "part", "u"."id" AS "id", ${rowJson('users', 'u')} AS "row" FROM "uid" CROSS JOIN ${users} AS "u" ON "u"."id" = "uid"."id" WHERE "u"."tenant_id" = ?1
  UNION ALL SELECT 'emails', "u"."id", ${rowJson('user_emails', 'm')} FROM "uid" CROSS JOIN ${users} AS "u" ON "u"."id" = "uid"."id" CROSS JOIN ${userEmails} AS "m" ON "m"."user_id" = "u"."id" WHERE "u"."tenant_id" = ?1
  UNION ALL SELECT 'groups', "g"."id", ${rowJson('groups', 'g')} FROM "gid" CROSS JOIN ${groups} AS "g" ON "g"."id" = "gid"."id" WHERE "g"."tenant_id" = ?1`;

/**
 * A tail: one statement whose rows are (part, id, the row as JSON text) — the events since the
 * watermark, then the users and groups they name, with the named users' emails and the
 * memberships the events name. Rows a write changes without an event naming them (members'
 * versions moved by a rename) come back from the write's own statement (`returningCopyRows`).
 * `related`, for a catch-up, which has no such rows: also the members of the groups the events
 * name, and the groups of the users they name, as they are in D1.
 * One statement, not one per table: D1 counts and runs each statement of a batch; and rows as JSON
 * text go into the copy's SQLite as they came. A row each, not one JSON array a part: D1 holds a
 * value to 2 MB, and a group rename brings every member.
 */
function tailQuery(related: boolean): string {
  const relatedUsers = related ? sql` UNION SELECT "gm"."user_id" FROM "e" CROSS JOIN ${groupMembers} AS "gm" ON "gm"."group_id" = "e"."objectId" WHERE "e"."type" LIKE 'group.%'` : sql``;
  const relatedGroups = related ? sql` UNION SELECT "gm"."group_id" FROM "e" CROSS JOIN ${groupMembers} AS "gm" ON "gm"."user_id" = "e"."objectId" WHERE "e"."type" LIKE 'user.%'` : sql``;
  return toSql(sql`WITH "e" AS MATERIALIZED (${changedEvents}),
    "uid" ("id") AS (SELECT "objectId" FROM "e" WHERE "type" LIKE 'user.%' AND "objectId" IS NOT NULL UNION SELECT "userId" FROM "e" WHERE "userId" IS NOT NULL${relatedUsers}),
    "gid" ("id") AS (SELECT "objectId" FROM "e" WHERE "type" LIKE 'group.%' AND "objectId" IS NOT NULL UNION SELECT "groupId" FROM "e" WHERE "groupId" IS NOT NULL${relatedGroups})
  SELECT 'events' AS "part", NULL AS "id", json_object('seq', "e"."seq", 'type', "e"."type", 'objectId', "e"."objectId", 'groupId', "e"."groupId", 'userId', "e"."userId", 'occurredAt', "e"."occurredAt") AS "row" FROM "e"
  UNION ALL ${rowsById}
  UNION ALL SELECT 'members', NULL, ${rowJson('group_members', 'gm')} FROM "e" CROSS JOIN ${groupMembers} AS "gm" ON "gm"."group_id" = "e"."groupId" AND "gm"."user_id" = "e"."userId"
    WHERE "e"."type" IN ('group.user_added', 'group.user_removed')`);
}
export const TAIL = tailQuery(false);
export const CATCH_UP = tailQuery(true);

/** The tenant's users (with their emails) and groups updated at or after ?2, as tail rows: a scan of the tenant's rows. */
const UPDATED_SINCE = toSql(sql`SELECT 'users' AS "part", "u"."id" AS "id", ${rowJson('users', 'u')} AS "row" FROM ${users} AS "u" WHERE "u"."tenant_id" = ?1 AND "u"."updated_at" >= ?2
  UNION ALL SELECT 'emails', "u"."id", ${rowJson('user_emails', 'm')} FROM ${users} AS "u" CROSS JOIN ${userEmails} AS "m" ON "m"."user_id" = "u"."id" WHERE "u"."tenant_id" = ?1 AND "u"."updated_at" >= ?2
  UNION ALL SELECT 'groups', "g"."id", ${rowJson('groups', 'g')} FROM ${groups} AS "g" WHERE "g"."tenant_id" = ?1 AND "g"."updated_at" >= ?2`);

/** Where the copy stands against D1, read when the object starts. */
const STANDING = {
  schema: `SELECT "type", "name", "sql" FROM sqlite_master WHERE "tbl_name" IN (${COPIED_TABLES.map((t) => `'${t}'`).join(', ')}) AND "sql" IS NOT NULL ORDER BY "type" DESC, "name"`,
  log: toSql(
    sql`SELECT coalesce(max(${directoryEvents.seq}), 0) AS "last",
      (SELECT min(${directoryEvents.seq}) FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1 AND ${directoryEvents.seq} > ?2) AS "next"
      FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ?1`,
  ),
};

/** Rebuild pages, by `seq` (?2) or, for memberships, by (group `seq`, user id) (?2, ?3); ?1 the tenant, ?4 the page size. */
export const REBUILD = {
  groups: toSql(sql`SELECT * FROM ${groups} WHERE ${groups.tenantId} = ?1 AND ${groups.seq} > ?2 ORDER BY ${groups.seq} LIMIT ?4`),
  users: toSql(sql`SELECT * FROM ${users} WHERE ${users.tenantId} = ?1 AND ${users.seq} > ?2 ORDER BY ${users.seq} LIMIT ?4`),
  emails: toSql(
    sql`SELECT ${userEmails}.* FROM ${userEmails} WHERE ${userEmails.userId} IN (SELECT ${users.id} FROM ${users} WHERE ${users.tenantId} = ?1 AND ${users.seq} > ?2 ORDER BY ${users.seq} LIMIT ?4)`,
  ),
  members: toSql(membershipPage(sql.raw('?1'), sql.raw('?2'), sql.raw('?3'), sql.raw('?4'))),
};

/**
 * The most characters of row JSON one statement of the copy takes: SQLite refuses a longer string
 * (a Durable Object's holds a value to 2 MB, as D1's does), and a UTF-8 character is up to three bytes.
 */
const MAX_JSON_CHARS = 600_000;

/** Row JSON texts as JSON arrays of at most `maxChars` characters each (a row longer than that alone), in order. */
export function* jsonArrays(rows: readonly string[], maxChars = MAX_JSON_CHARS): Generator<string> {
  let start = 0;
  let length = 2;
  for (let i = 0; i < rows.length; i++) {
    if (i > start && length + rows[i]!.length + 1 > maxChars) {
      yield `[${rows.slice(start, i).join(',')}]`;
      start = i;
      length = 2;
    }
    length += rows[i]!.length + 1;
  }
  if (start < rows.length) yield `[${rows.slice(start).join(',')}]`;
}

/** A rebuild's stages, in order: parents before the rows that reference them. */
const BUILD_STAGES = {
  groups: { queries: [REBUILD.groups], next: 'users', start: [0, null] },
  users: { queries: [REBUILD.users, REBUILD.emails], next: 'members', start: [0, null] },
  members: { queries: [REBUILD.members], next: undefined, start: [0, ''] },
} as const satisfies Record<string, { queries: string[]; next: string | undefined; start: unknown[] }>;
type BuildStage = keyof typeof BUILD_STAGES;

/** A rebuild under way, stored in `copy_meta` with each page it copies: where the next page starts. */
interface BuildState {
  /** The tenant (an alarm that resumes the rebuild starts an instance no request has named yet). */
  tenantId: string;
  /** D1's schema of the copied tables when the rebuild began: a migration meanwhile starts it over. */
  fingerprint: string;
  stage: BuildStage;
  /** The last key the previous page ended at. */
  after: unknown[];
}

/**
 * What the copy keeps beside the tables: its watermark and build state (here), the tenant's row
 * (made with the tables, `#startRebuild`), and the page buckets kept by triggers as the copy's
 * rows come and go — D1's batches keep them by statements of their own, which the copy does not replay.
 */
const LOCAL_SCHEMA = [`CREATE TABLE IF NOT EXISTS "copy_meta" ("key" text PRIMARY KEY NOT NULL, "value" text NOT NULL)`];
const bucketTriggers = (table: 'users' | 'groups', resourceType: 'User' | 'Group') => [
  `CREATE TRIGGER "copy_${table}_in" AFTER INSERT ON "${table}" BEGIN
     INSERT INTO "page_buckets" VALUES (new."tenant_id", '${resourceType}', new."seq" >> 10, 1) ON CONFLICT DO UPDATE SET "count" = "count" + 1;
   END`,
  `CREATE TRIGGER "copy_${table}_out" AFTER DELETE ON "${table}" BEGIN
     UPDATE "page_buckets" SET "count" = "count" - 1 WHERE "tenant_id" = old."tenant_id" AND "resource_type" = '${resourceType}' AND "bucket" = old."seq" >> 10;
   END`,
];
const TRIGGERS = [...bucketTriggers('users', 'User'), ...bucketTriggers('groups', 'Group')];

/** A change-log event as the tail reads it. */
interface ChangedEvent {
  seq: number;
  type: string;
  objectId: string | null;
  groupId: string | null;
  userId: string | null;
  occurredAt: string;
}

/** A row of a tail: its part, the user's or group's id (an email's user's; null for events and memberships), the row as JSON text. */
interface TailRow {
  part: TailPart;
  id: string | null;
  row: string;
}

/** What one tail (or catch-up) read from D1: its events, and each table's changed rows as JSON texts. */
interface ChangedRows {
  events: ChangedEvent[];
  users: string[];
  emails: string[];
  groups: string[];
  members: string[];
  /** The ids of the users and groups among the rows. */
  ids: Set<string>;
}

/** Thrown when the copy cannot follow D1 by catching up: it is rebuilt. */
class CopyOutOfReach extends Error {}

function readMeta(storage: DurableObjectStorage, key: string): string | undefined {
  return storage.sql.exec<{ value: string }>(`SELECT "value" FROM "copy_meta" WHERE "key" = ?`, key).toArray()[0]?.value;
}

function storedBuild(storage: DurableObjectStorage): BuildState | undefined {
  const value = readMeta(storage, 'build');
  if (value === undefined) return undefined;
  const build = JSON.parse(value) as BuildState;
  // Stored before membership pages went by group `seq`, its cursor is a group id: that stage starts
  // over (its inserts skip the rows already copied).
  return build.stage === 'members' && typeof build.after[0] !== 'number' ? { ...build, after: [...BUILD_STAGES.members.start] } : build;
}

/** Where the copy of a stored rebuild belongs: its tenant, for an alarm that resumes it in a new instance. */
export function tenantOfRebuild(storage: DurableObjectStorage): string | undefined {
  const table = storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE "type" = 'table' AND "name" = 'copy_meta'`).toArray();
  return table.length === 0 ? undefined : storedBuild(storage)?.tenantId;
}

export class ServingCopy {
  readonly #storage: DurableObjectStorage;
  readonly #d1: D1Database;
  readonly #tenantId: string;
  readonly #pageRows: number;
  /**
   * Set once the copy was checked against D1 since the object started, and nothing has gone wrong
   * since: every write's tail is applied to it (also while a rebuild is under way).
   */
  #following = false;
  /** The rebuild under way, as stored; undefined once the copy is whole. */
  #build: BuildState | undefined;

  /** `pageRows`: rows a rebuild copies per D1 call (tests take small pages to rebuild in many). */
  constructor(storage: DurableObjectStorage, d1: D1Database, tenantId: string, { pageRows = REBUILD_PAGE_ROWS } = {}) {
    this.#storage = storage;
    this.#d1 = d1;
    this.#tenantId = tenantId;
    this.#pageRows = pageRows;
  }

  /** Whether the copy follows D1's writes (else `bringUpToDate` first). */
  get following(): boolean {
    return this.#following;
  }

  /** Whether reads may be answered from the copy: it follows D1 and no rebuild is under way. */
  get current(): boolean {
    return this.#following && this.#build === undefined;
  }

  /** Whether a rebuild is under way (`copyPage` continues it). */
  get rebuilding(): boolean {
    return this.#build !== undefined;
  }

  /**
   * The statements to end a write's D1 batch with, reading what changed since the watermark;
   * undefined while the copy does not follow D1 (it will catch up from the log first).
   */
  tail(): D1PreparedStatement[] | undefined {
    if (!this.#following) return undefined;
    return [this.#d1.prepare(TAIL).bind(this.#tenantId, this.#watermarkSeq())];
  }

  /**
   * Applies a committed batch's tail results, with the rows its statements returned for the copy
   * (in batch order); a copy that cannot take them is rebuilt before it serves again.
   */
  applyTail(results: D1Result[], returned: readonly CopyRow[]): void {
    try {
      this.#apply(toChangedRows(results), returned);
    } catch (err) {
      this.#following = false;
      this.#writeMeta('rebuild', '1');
      console.warn(`serving copy of tenant ${this.#tenantId}: a tail did not apply (${String(err)}); rebuilding before the next read`);
    }
  }

  /**
   * Makes the copy follow D1 again: a catch-up from the change log (also of a rebuild under way,
   * which then goes on where it stopped), or a new rebuild. Call with no write in flight.
   */
  async bringUpToDate(): Promise<void> {
    this.#ensureLocalSchema();
    const seq = this.#watermarkSeq();
    const [schemaRows, logRows] = await this.#d1.batch([this.#d1.prepare(STANDING.schema), this.#d1.prepare(STANDING.log).bind(this.#tenantId, seq)]);
    const schema = (schemaRows!.results as { type: string; name: string; sql: string }[]).map((r) => r.sql);
    const { last, next } = logRows!.results[0] as { last: number; next: number | null };
    // The copy's own triggers are part of its shape: a copy built by other triggers is rebuilt.
    const fingerprint = [...schema, ...TRIGGERS].join(';\n');
    const build = storedBuild(this.#storage);
    try {
      if ((build?.fingerprint ?? this.#readMeta('schema')) !== fingerprint || this.#readMeta('rebuild') !== undefined) throw new CopyOutOfReach('schema');
      if (last < seq || (last > seq && next !== seq + 1) || last - seq > MAX_CATCH_UP_EVENTS) throw new CopyOutOfReach('log');
      if (last > seq) await this.#catchUp(seq);
      this.#build = build;
    } catch (err) {
      if (!(err instanceof CopyOutOfReach)) throw err;
      this.#startRebuild(schema, fingerprint, last);
    }
    this.#following = true;
  }

  /** Forgets the check (for a test that simulates a restart, and after a failure). */
  invalidate(): void {
    this.#following = false;
  }

  /** The object's storage was wiped (its tenant deleted): there is no copy, and no rebuild to go on with. */
  discard(): void {
    this.#following = false;
    this.#build = undefined;
  }

  /**
   * Copies the rebuild's next page from D1 and stores, with it, where the one after starts; the
   * last page makes the copy whole; returns the rows it copied. Call with no write in flight, while
   * the copy follows D1.
   */
  async copyPage(): Promise<number> {
    const build = this.#build;
    if (!build || !this.#following) throw new Error('copyPage: no rebuild under way, or the copy does not follow D1');
    const stage = BUILD_STAGES[build.stage];
    const results = await this.#d1.batch(stage.queries.map((q) => this.#d1.prepare(q).bind(this.#tenantId, ...build.after, this.#pageRows)));
    const [main, emails] = results.map((r) => r.results as Row[]) as [Row[], Row[] | undefined];
    const last = main[main.length - 1];
    const next: BuildState | undefined =
      main.length === this.#pageRows && last
        ? { ...build, after: build.stage === 'members' ? [last.group_seq, last.user_id] : [last.seq, null] }
        : stage.next && { ...build, stage: stage.next, after: [...BUILD_STAGES[stage.next].start] };
    this.#storage.transactionSync(() => {
      // A row may be here already: a write's tail brought it since the rebuild began. The page is newer or the same.
      const rows = main.map((r) => JSON.stringify(r));
      if (build.stage === 'members') this.#insert('group_members', rows, 'ON CONFLICT DO NOTHING');
      else this.#upsert(build.stage, rows);
      if (emails) {
        this.#dropEmailsOf(rows);
        this.#insert('user_emails', emails.map((r) => JSON.stringify(r)));
      }
      if (next) this.#writeMeta('build', JSON.stringify(next));
      else {
        this.#storage.sql.exec(`DELETE FROM "copy_meta" WHERE "key" = 'build'`);
        this.#writeMeta('schema', build.fingerprint);
      }
    });
    this.#build = next;
    return main.length;
  }

  /**
   * Catches up with what D1 committed past the watermark `seq` and the copy never applied: the
   * catch-up tail, which brings the rows the events name and those related to them through D1's
   * memberships. A deleted user's groups and a deleted group's members moved their versions
   * through memberships D1 no longer holds (and a copy being rebuilt may not hold yet): after a
   * deletion, every user and group updated since shortly before it is read again — a scan of the
   * tenant's rows, since no index orders them by `updated_at` (one more written row per write), for
   * a case as rare as a commit whose apply was lost.
   */
  async #catchUp(seq: number): Promise<void> {
    const [tail] = await this.#d1.batch([this.#d1.prepare(CATCH_UP).bind(this.#tenantId, seq)]);
    const deletions = (tail!.results as TailRow[]).filter((r) => r.part === 'events').map((r) => JSON.parse(r.row) as ChangedEvent).filter((e) => e.type === 'user.deleted' || e.type === 'group.deleted');
    const results = [tail!];
    if (deletions.length > 0) {
      const earliest = deletions.reduce((min, e) => (e.occurredAt < min ? e.occurredAt : min), deletions[0]!.occurredAt);
      const since = new Date(Date.parse(earliest) - CLOCK_OVERLAP_MS).toISOString();
      results.push(...(await this.#d1.batch([this.#d1.prepare(UPDATED_SINCE).bind(this.#tenantId, since)])));
    }
    try {
      this.#apply(toChangedRows(results), []);
    } catch (err) {
      throw new CopyOutOfReach(`catch-up did not apply: ${String(err)}`);
    }
  }

  /**
   * Applies what a tail read, and `returned`: rows the batch's statements returned for the copy,
   * in batch order. A returned row whose id the tail brings, or whose row the batch deleted, is an
   * earlier state of it: only the others are applied, each as its last statement returned it.
   */
  #apply(changed: ChangedRows, returned: readonly CopyRow[]): void {
    this.#storage.transactionSync(() => {
      const run = (query: string, ...values: unknown[]) => this.#storage.sql.exec(query, ...(values as SqlStorageValue[]));
      const gone = new Set<string>();
      // Deletions first: a name a deleted row held may be taken by a row this tail brings.
      for (const e of changed.events) {
        if (e.type === 'user.deleted' && e.objectId) run(`DELETE FROM "users" WHERE "id" = ?`, e.objectId);
        if (e.type === 'group.deleted' && e.objectId) run(`DELETE FROM "groups" WHERE "id" = ?`, e.objectId);
        if ((e.type === 'user.deleted' || e.type === 'group.deleted') && e.objectId) gone.add(e.objectId);
      }
      const touched = returned.filter((r) => !gone.has(r.id) && !changed.ids.has(r.id));
      this.#upsert('groups', [...changed.groups, ...touched.filter((r) => r.part === 'groups').map((r) => r.row)]);
      this.#upsert('users', [...changed.users, ...touched.filter((r) => r.part === 'users').map((r) => r.row)]);
      this.#dropEmailsOf(changed.users);
      this.#insert('user_emails', changed.emails);
      const members = changed.members.map((m) => JSON.parse(m) as { group_id: string; user_id: string });
      const present = new Set(members.map((m) => `${m.group_id}\u0000${m.user_id}`));
      for (const e of changed.events) {
        if ((e.type === 'group.user_added' || e.type === 'group.user_removed') && e.groupId && e.userId && !present.has(`${e.groupId}\u0000${e.userId}`)) {
          run(`DELETE FROM "group_members" WHERE "group_id" = ? AND "user_id" = ?`, e.groupId, e.userId);
        }
      }
      // A membership's user and group are in this tail too (a member change moves both versions), copied or not.
      this.#insert('group_members', changed.members, 'ON CONFLICT DO NOTHING');
      const lastSeq = changed.events.reduce((max, e) => Math.max(max, e.seq), this.#watermarkSeq());
      this.#writeMeta('seq', String(lastSeq));
    });
  }

  /** Deletes the email rows of the users `userRows` (JSON texts of user rows). */
  #dropEmailsOf(userRows: string[]): void {
    for (const json of jsonArrays(userRows)) {
      this.#storage.sql.exec(`DELETE FROM "user_emails" WHERE "user_id" IN (SELECT json_extract("value", '$.id') FROM json_each(?))`, json);
    }
  }

  /**
   * Inserts `rows` (JSON texts of D1's rows of `table`) a statement per JSON array that fits
   * SQLite's value limit, each reading its rows from that one parameter: a statement per row cost
   * more than the rows themselves.
   */
  #insert(table: CopiedTable, rows: string[], conflict = ''): void {
    const columns = COPIED_COLUMNS[table];
    const values = columns.map((c) => `json_extract("value", '$."${c}"')`);
    // `WHERE true`: SQLite would read an ON CONFLICT right after the SELECT's FROM as a join's ON.
    const query = `INSERT INTO "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) SELECT ${values.join(', ')} FROM json_each(?) WHERE true ${conflict}`;
    for (const json of jsonArrays(rows)) this.#storage.sql.exec(query, json);
  }

  /** Inserts or updates user or group rows by their `seq` (one-to-one with their ids). */
  #upsert(table: 'users' | 'groups', rows: string[]): void {
    const updates = COPIED_COLUMNS[table].filter((c) => c !== 'seq').map((c) => `"${c}" = excluded."${c}"`);
    this.#insert(table, rows, `ON CONFLICT ("seq") DO UPDATE SET ${updates.join(', ')}`);
  }

  /**
   * Empties the copy and starts a rebuild at its first page, following D1 from `lastSeq` on: every
   * write from now on reaches the copy, whether or not its rows were copied yet.
   */
  #startRebuild(schema: string[], fingerprint: string, lastSeq: number): void {
    const run = (query: string, ...values: unknown[]) => this.#storage.sql.exec(query, ...(values as SqlStorageValue[]));
    const build: BuildState = { tenantId: this.#tenantId, fingerprint, stage: 'groups', after: [...BUILD_STAGES.groups.start] };
    this.#storage.transactionSync(() => {
      for (const table of [...COPIED_TABLES].reverse()) run(`DROP TABLE IF EXISTS "${table}"`);
      // The tenant's row, which D1's DDL of the copied tables references (made anew: copies built before migrations/0027 kept counters in it).
      run(`DROP TABLE IF EXISTS "tenants"`);
      run(`CREATE TABLE "tenants" ("id" text PRIMARY KEY NOT NULL)`);
      run(`INSERT INTO "tenants" ("id") VALUES (?)`, this.#tenantId);
      run(`DELETE FROM "copy_meta"`);
      for (const statement of schema) run(statement);
      for (const trigger of TRIGGERS) run(trigger);
      this.#writeMeta('seq', String(lastSeq));
      this.#writeMeta('build', JSON.stringify(build));
    });
    this.#build = build;
  }

  #ensureLocalSchema(): void {
    for (const statement of LOCAL_SCHEMA) this.#storage.sql.exec(statement);
  }

  /** How far the copy is: the change log's `seq` it applied up to. */
  #watermarkSeq(): number {
    return Number(this.#readMeta('seq') ?? 0);
  }

  #readMeta(key: string): string | undefined {
    return readMeta(this.#storage, key);
  }

  #writeMeta(key: string, value: string): void {
    this.#storage.sql.exec(`INSERT INTO "copy_meta" VALUES (?, ?) ON CONFLICT DO UPDATE SET "value" = excluded."value"`, key, value);
  }
}

/**
 * The rows of tail statements' results, by part. A user or group (with its emails) that an earlier
 * statement brought is left out of a later one's rows: the copy takes each row once.
 */
function toChangedRows(results: D1Result[]): ChangedRows {
  const parts = Object.fromEntries(TAIL_PARTS.map((p) => [p, [] as string[]])) as Record<TailPart, string[]>;
  const ids = new Set<string>();
  for (const result of results) {
    const earlier = new Set(ids);
    for (const { part, id, row } of result.results as TailRow[]) {
      if (id !== null && earlier.has(id)) continue;
      parts[part].push(row);
      if (id !== null) ids.add(id);
    }
  }
  return { ...parts, events: parts.events.map((e) => JSON.parse(e) as ChangedEvent), ids };
}
