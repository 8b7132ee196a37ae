/** Audit rows for SCIM writes: who (token id), what, which resource, outcome. Never a secret. */
import { sql } from 'drizzle-orm';
import { now } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { compiledOnce, compileStatement, type CompiledRun } from './resources/compiled-statement.ts';

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

/** The insert of one audit row, compiled once (to join a write's batch, or alone for a failure). */
export function auditInsert(db: Parameters<typeof insertAudit>[0], entry: AuditEntry): CompiledRun {
  return { statement: insertAudit(db), values: { ...entry, detail: entry.detail ?? null, at: now() } };
}
