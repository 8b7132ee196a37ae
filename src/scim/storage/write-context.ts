/** What every user and group write needs besides its own input (rows typed from the schema: this sits below users/ and groups/). */
import type { AuditActor } from '../../audit/audit-log.ts';
import type { Database } from '../../db/client.ts';
import type { groups, users } from '../../db/schema.ts';
import type { RowMemory } from './row-memory.ts';

/** Who writes, for which tenant, with which memory of rows. */
export interface WriteContext {
  db: Database;
  tenantId: string;
  /** The tenant's role catalog, which `roles` values must come from. */
  tenantRoles: readonly string[];
  /** `token:<id>` or `oidc`. */
  actor: AuditActor;
  /** The tenant's SCIM base URL (`…/scim/v2/{slug}`), for the `meta.location` of the resources its events carry. */
  baseUrl: string;
  /** The tenant object's remembered rows (./row-memory.ts): read instead of D1, kept current by every write. */
  users?: RowMemory<typeof users.$inferSelect>;
  groups?: RowMemory<typeof groups.$inferSelect>;
}
