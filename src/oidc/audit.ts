/** Audit rows for sign-ins and SSO settings: who, what, outcome, and for failures the reason. */
import { now, type Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';
import { auditDetail } from '../db/audit-detail.ts';

/** Who made a change: sign-in, the operator's CLI, or the IT admin through a setup link. */
export type AuditActor = 'oidc' | 'cli' | `setup:${string}`;

/** One audit event; `detail` is a reason or a summary, never a secret or a token. */
export interface OidcAuditEvent {
  tenantId: string;
  /** `oidc` for sign-in events, `cli` for operator changes, `setup:<link id>` for the IT admin's setup page. */
  actor: AuditActor;
  action: string;
  resourceType?: string;
  resourceId?: string | null;
  outcome: 'success' | 'failure';
  status?: number;
  detail?: string;
}

/** The insert for `event`, to run alone or inside a batch. */
export function auditInsert(db: Database, event: OidcAuditEvent) {
  return db.insert(auditLog).values({
    tenantId: event.tenantId,
    at: now(),
    actor: event.actor,
    action: event.action,
    resourceType: event.resourceType ?? null,
    resourceId: event.resourceId ?? null,
    outcome: event.outcome,
    status: event.status ?? null,
    detail: auditDetail(event.detail),
  });
}
