/** Audit rows for SCIM writes: who (token id), what, which resource, outcome. Never a secret. */
import { now, type Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

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

/** The insert statement for one audit row (to join a write's batch, or alone for a failure). */
export function auditInsert(db: Database, entry: AuditEntry) {
  return db.insert(auditLog).values({ ...entry, detail: entry.detail ?? null, at: now() });
}
