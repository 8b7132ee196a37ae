/** Audit rows for SCIM writes: who (token id), what, which resource, outcome. Never a secret. */
import { sql } from 'drizzle-orm';
import { now } from '../db/client.ts';
import { auditDetail } from '../db/audit-detail.ts';
import { auditLog } from '../db/schema.ts';
import { compiledOnce, compileStatement, type CompiledRun, type MergeRule } from '../db/compiled-statement.ts';

export interface AuditEntry {
  tenantId: string;
  /** `token:<id>` for SCIM, `oidc` for sign-in provisioning. */
  actor: string;
  action: string;
  resourceType: 'User' | 'Group';
  resourceId: string | null;
  outcome: 'success' | 'failure';
  status: number;
  detail?: string;
}

const p = (name: keyof AuditEntry | 'at') => sql.placeholder(name);

const COLUMNS = ['tenantId', 'actor', 'action', 'resourceType', 'resourceId', 'outcome', 'status', 'detail', 'at'] as const;

const insertAudit = compiledOnce((db) =>
  compileStatement(
    db.insert(auditLog).values({
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

/** Many audit rows in one insert: `rows` is a JSON array of rows, each an array of values in `COLUMNS` order. */
const insertAudits = compileStatement(
  sql`INSERT INTO ${auditLog} (${sql.join(COLUMNS.map((c) => sql.identifier(auditLog[c].name)), sql`, `)})
    SELECT ${sql.join(COLUMNS.map((_, i) => sql.raw(`json_extract("e"."value", '$[${i}]')`)), sql`, `)} FROM json_each(${sql.placeholder('rows')}) AS "e"`,
);

/** In a combined batch (src/tenant-object/group-commit.ts) the writes' audit rows go in as one insert, in the order the writes were handed in. */
const mergeAudits: MergeRule = {
  key: 'audit',
  merge: (values) => ({ statement: insertAudits, values: { rows: JSON.stringify(values.map((v) => COLUMNS.map((c) => v[c]))) } }),
};

/** The insert of one audit row, compiled once (to join a write's batch, or alone for a failure). */
export function auditInsert(db: Parameters<typeof insertAudit>[0], entry: AuditEntry): CompiledRun {
  return { statement: insertAudit(db), values: { ...entry, detail: auditDetail(entry.detail), at: now() }, merge: mergeAudits };
}

/**
 * The insert of an audit row whose detail ends with how many rows the previous statement of the
 * batch changed (`${detail}${changes()}${detailEnd}`), only if it changed any: for a write whose
 * effect is decided in its batch (group member adds). Then `changes()` is 1 for the next statement.
 */
const insertAuditIfChanged = compiledOnce(() =>
  compileStatement(
    sql`INSERT INTO ${auditLog} (${sql.join(COLUMNS.map((c) => sql.identifier(auditLog[c].name)), sql`, `)})
      SELECT ${p('tenantId')}, ${p('actor')}, ${p('action')}, ${p('resourceType')}, ${p('resourceId')}, ${p('outcome')}, ${p('status')}, ${p('detail')} || changes() || ${sql.placeholder('detailEnd')}, ${p('at')}
      WHERE changes() > 0`,
  ),
);

/** `auditInsert` of an entry whose count is what the previous statement changed, written only if it changed something. */
export function auditIfChanged(db: Parameters<typeof insertAuditIfChanged>[0], entry: AuditEntry & { detail: string; detailEnd: string }): CompiledRun {
  return { statement: insertAuditIfChanged(db), values: { ...entry, at: now() } };
}
