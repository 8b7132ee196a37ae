/** Audit rows for sign-ins and SSO settings: who, what, outcome, and for failures the reason. */
import { now, type Database } from '../db/client.ts';
import { auditLog } from '../db/schema.ts';

/** One audit event; `detail` is a reason or a summary, never a secret or a token. */
export interface OidcAuditEvent {
  tenantId: string;
  /** `oidc` for sign-in events, `cli` for operator changes. */
  actor: 'oidc' | 'cli';
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
    detail: event.detail?.slice(0, 500) ?? null,
  });
}
