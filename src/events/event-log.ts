/**
 * The one writer of `directory_events`: every committed change of a tenant's users and groups
 * appends its events in the same D1 batch as the change, so a change and its events commit
 * together or not at all. Each event's `seq` is the tenant's highest plus one, taken by the
 * inserting statement inside the change's transaction: D1 runs one transaction at a time, so the
 * sequence has no gap and a reader that has seen `n` has seen every event before it.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AuditActor } from '../audit/audit-log.ts';
import { now } from '../db/client.ts';
import { compileStatement, type CompiledRun, type CompiledStatement, type MergeRule } from '../db/compiled-statement.ts';
import { directoryEvents } from '../db/schema.ts';

/** The event catalogue (README "Receive directory changes"). */
export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  'user.signed_in',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.user_added',
  'group.user_removed',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** Who caused an event, as the envelope names it: `scim:<token id>`, `signin`, `operator`, `setup:<link id>`. */
export function eventActor(actor: AuditActor): string {
  if (actor.startsWith('token:')) return `scim:${actor.slice('token:'.length)}`;
  if (actor === 'oidc') return 'signin';
  if (actor === 'cli') return 'operator';
  return actor;
}

const P = sql.placeholder;
const E = directoryEvents;
const COLUMNS = sql.join([E.tenantId, E.seq, E.id, E.type, E.actor, E.occurredAt, E.data].map((c) => sql.identifier(c.name)), sql`, `);
/** The tenant's highest seq so far (0 before its first event): one seek on the primary key. */
const lastSeq = sql`(SELECT coalesce(max(${E.seq}), 0) FROM ${E} WHERE ${E.tenantId} = ${P('tenantId')})`;
const newId = sql`'evt_' || lower(hex(randomblob(16)))`;

const insertOne = compileStatement(sql`INSERT INTO ${E} (${COLUMNS}) SELECT ${P('tenantId')}, ${lastSeq} + 1, ${newId}, ${P('type')}, ${P('actor')}, ${P('at')}, ${P('data')}`);

/** What every event of a write carries besides its data. */
export interface EventOrigin {
  tenantId: string;
  actor: AuditActor;
}

/** Many events of one tenant in one insert: `rows` is a JSON array of `[type, actor, at, data]`, numbered in its order. */
const insertMany = compileStatement(
  sql`INSERT INTO ${E} (${COLUMNS})
    SELECT ${P('tenantId')}, ${lastSeq} + "e"."key" + 1, ${newId}, json_extract("e"."value", '$[0]'), json_extract("e"."value", '$[1]'), json_extract("e"."value", '$[2]'), json_extract("e"."value", '$[3]')
    FROM json_each(${P('rows')}) AS "e" ORDER BY "e"."key"`,
);

/** One insert standing for the single events of several writes of one tenant in a combined batch, in the order the writes were handed in. */
const mergeEvents = (tenantId: string): MergeRule => ({
  key: `events:${tenantId}`,
  merge: (values) => ({ statement: insertMany, values: { tenantId, rows: JSON.stringify(values.map((v) => [v.type, v.actor, v.at, v.data])) } }),
});

/**
 * The statement appending one event with `data` (serialized here), numbered next. `mergeable`:
 * the write has no other event, so in a combined batch its event may join one insert after every
 * write's own statements (src/db/compiled-statement.ts MergeRule): writes that share a batch
 * never depend on each other, and the numbers stay consecutive.
 */
export function eventRun(origin: EventOrigin, type: EventType, data: unknown, mergeable = false): CompiledRun {
  const run = { statement: insertOne, values: { tenantId: origin.tenantId, actor: eventActor(origin.actor), type, at: now(), data: JSON.stringify(data) } };
  return mergeable ? { ...run, merge: mergeEvents(origin.tenantId) } : run;
}

/**
 * A statement appending one event of `type` per row that `rows` selects, decided in the batch:
 * `rows` yields `"ord"` (the order the events are numbered in) and `"data"` (JSON text). SQLite
 * materializes a SELECT that reads the table it inserts into before inserting, so `lastSeq` is
 * the seq before this statement and the rows take the next ones in order.
 */
export function eventsFromRows(rows: SQL): CompiledStatement<unknown> {
  return compileStatement(
    sql`INSERT INTO ${E} (${COLUMNS})
      SELECT ${P('tenantId')}, ${lastSeq} + row_number() OVER (ORDER BY "r"."ord"), ${newId}, ${P('type')}, ${P('actor')}, ${P('at')}, "r"."data" FROM (${rows}) AS "r"`,
  );
}

/** The values every run of an `eventsFromRows` statement binds besides its rows' own. */
export function eventsFromRowsValues(origin: EventOrigin, type: EventType, values: Record<string, unknown>): Record<string, unknown> {
  return { ...values, tenantId: origin.tenantId, actor: eventActor(origin.actor), type, at: now() };
}
