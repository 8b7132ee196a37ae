/**
 * The one writer of `audit_log`: every change — SCIM writes, sign-in, the setup page, the CLI —
 * records who did what to which resource, with the outcome, in the same D1 batch as the change.
 * Never a secret or a token.
 */
import { getTableColumns, sql, type Placeholder, type SQL } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { compiledOnce, compileStatement, type CompiledRun, type CompiledStatement, type MergeRule } from '../db/compiled-statement.ts';
import { auditLog } from '../db/schema.ts';

/** Who acts: a SCIM token, sign-in, the operator's CLI, or the IT admin through a setup link. */
export type AuditActor = `token:${string}` | 'oidc' | 'cli' | `setup:${string}` | `api:${string}` | `admin:${string}`;

/** One audited change; `detail` is a reason or a summary. */
export interface AuditEvent {
  tenantId: string;
  actor: AuditActor;
  action: string;
  resourceType: string;
  resourceId?: string | null;
  outcome: 'success' | 'failure';
  status?: number | null;
  detail?: string;
}

/** An audit row's detail is a summary: a refused write's error (which may quote the whole body) is cut to this. */
export const MAX_AUDIT_DETAIL = 500;

/** `detail` cut to MAX_AUDIT_DETAIL characters, marked where it was cut; null when there is none. */
function auditDetail(detail: string | undefined): string | null {
  if (detail === undefined) return null;
  return detail.length <= MAX_AUDIT_DETAIL ? detail : `${detail.slice(0, MAX_AUDIT_DETAIL - 1)}…`;
}

/** `auditDetail` in SQL, for a detail the batch computes. */
function detailCut(detail: SQL): SQL {
  return sql`(SELECT CASE WHEN length("d") <= ${MAX_AUDIT_DETAIL} THEN "d" ELSE substr("d", 1, ${MAX_AUDIT_DETAIL - 1}) || '…' END FROM (SELECT ${detail} AS "d"))`;
}

const COLUMNS = ['tenantId', 'actor', 'action', 'resourceType', 'resourceId', 'outcome', 'status', 'detail', 'at'] as const;
type AuditValues = {
  tenantId: string;
  actor: AuditActor;
  action: string;
  resourceType: string;
  resourceId: string | null;
  outcome: AuditEvent['outcome'];
  status: number | null;
  detail: string | null;
  at: string;
};

function auditValues(event: AuditEvent): AuditValues {
  return {
    tenantId: event.tenantId,
    actor: event.actor,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId ?? null,
    outcome: event.outcome,
    status: event.status ?? null,
    detail: auditDetail(event.detail),
    at: now(),
  };
}

const p = (name: (typeof COLUMNS)[number]) => sql.placeholder(name);

/**
 * The id of a row of tenant `tenantId` at `at`, plus `offset`: one past the highest id of that
 * tenant and instant, a seek along the table's key. Every insert takes it in its own statement,
 * which D1 runs alone, so two writers never take one id; within a statement, SQLite reads the
 * table before it inserts into it, and rows of one statement are set apart by `offset`.
 */
function nextId(tenantId: SQL | Placeholder, at: SQL | Placeholder, offset: SQL = sql`0`): SQL {
  return sql`(SELECT coalesce(max(${auditLog.id}), 0) + 1 + ${offset} FROM ${auditLog} WHERE ${auditLog.tenantId} = ${tenantId} AND ${auditLog.at} = ${at})`;
}

const insertAudit = compiledOnce((db) =>
  compileStatement(
    db.insert(auditLog).values({
      id: nextId(p('tenantId'), p('at')),
      tenantId: p('tenantId'),
      actor: p('actor'),
      action: p('action'),
      resourceType: p('resourceType'),
      resourceId: p('resourceId'),
      outcome: p('outcome'),
      status: p('status'),
      detail: p('detail'),
      at: p('at'),
    }),
  ),
);

const COLUMN_LIST = sql.join([auditLog.id, ...COLUMNS.map((c) => auditLog[c])].map((column) => sql.identifier(column.name)), sql`, `);

const ofRow = (column: (typeof COLUMNS)[number]) => sql.raw(`json_extract("e"."value", '$[${COLUMNS.indexOf(column)}]')`);

/** Many audit rows in one insert: `rows` is a JSON array of rows, each an array of values in `COLUMNS` order. */
const insertAudits = compileStatement(
  sql`INSERT INTO ${auditLog} (${COLUMN_LIST})
    SELECT ${nextId(ofRow('tenantId'), ofRow('at'), sql.raw(`"e"."key"`))}, ${sql.join(COLUMNS.map(ofRow), sql`, `)} FROM json_each(${sql.placeholder('rows')}) AS "e"`,
);

/** In a combined batch (src/tenant-object/group-commit.ts) the writes' audit rows go in as one insert, in the order the writes were handed in. */
const mergeAudits: MergeRule = {
  key: 'audit',
  merge: (values) => ({ statement: insertAudits, values: { rows: JSON.stringify(values.map((v) => COLUMNS.map((c) => v[c]))) } }),
};

/** The audit row of `event`, compiled once: to join a batch of compiled statements (or run alone for a refusal that changed nothing). */
export function auditRun(db: Database, event: AuditEvent): CompiledRun {
  return { statement: insertAudit(db), values: auditValues(event), merge: mergeAudits };
}

/** The audit row of `event` as a drizzle query, to join a drizzle batch. */
export function auditInsert(db: Database, event: AuditEvent) {
  const values = auditValues(event);
  return db.insert(auditLog).values({ ...values, id: nextId(sql`${values.tenantId}`, sql`${values.at}`) });
}

/**
 * The audit row of `event` as a drizzle query that writes only when `when` holds at that point of
 * the batch: for a change the batch itself decides (a revocation that may find nothing live).
 * `detail`, when given, is computed in the batch too (cut like every detail).
 */
export function auditInsertWhen(db: Database, event: AuditEvent, when: SQL, detail?: SQL) {
  const values = auditValues(event);
  // An insert from a SELECT names every column of the table, in its order.
  const columns = Object.keys(getTableColumns(auditLog)).map((c) =>
    c === 'id' ? nextId(sql`${values.tenantId}`, sql`${values.at}`) : c === 'detail' && detail ? detailCut(detail) : sql`${values[c as keyof AuditValues]}`,
  );
  return db.insert(auditLog).select(sql`SELECT ${sql.join(columns, sql`, `)} WHERE ${when}`);
}

/**
 * An audit insert, compiled once, whose detail the batch itself computes: `source` is a SELECT of
 * one row, `"detail"` and `"changed"`, with named placeholders of its own; the row is written only
 * when `"changed"` is above 0. For a write whose effect is decided in its batch (group member
 * changes). Then `changes()` is 1 for the next statement if it wrote the row, else 0.
 */
export function auditFromRow(source: SQL): (db: Database) => CompiledStatement<unknown> {
  return compiledOnce(() =>
    compileStatement(
      sql`INSERT INTO ${auditLog} (${COLUMN_LIST})
        SELECT ${nextId(p('tenantId'), p('at'))}, ${p('tenantId')}, ${p('actor')}, ${p('action')}, ${p('resourceType')}, ${p('resourceId')}, ${p('outcome')}, ${p('status')}, "s"."detail", ${p('at')}
        FROM (${source}) AS "s" WHERE "s"."changed" > 0`,
    ),
  );
}

/** A run of an `auditFromRow` statement for `event`, with the values its source binds. */
export function auditRunFromRow(statement: CompiledStatement<unknown>, event: AuditEvent, sourceValues: Record<string, unknown>): CompiledRun {
  return { statement, values: { ...auditValues(event), ...sourceValues } };
}
