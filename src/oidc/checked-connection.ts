/**
 * "Save and test": a connection change saved only when the store's rules pass and the provider's
 * discovery and JWKS check out now; otherwise nothing is saved and the problems come back (and are
 * audited as a failure). The setup page and the admin console both save this way.
 */
import type { Config } from '../config.ts';
import type { Database } from '../db/client.ts';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { StoreError } from '../http/errors.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { setConnection, type ConnectionInfo, type ConnectionUpdate } from './connection-store.ts';
import { checkProvider } from './provider-check.ts';

/** Thrown from the store's last check when the provider would not let anyone sign in. */
class ProviderNotReady extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(problems.join('; '));
    this.problems = problems;
  }
}

export async function saveCheckedConnection(db: Database, config: Config, tenant: Tenant, update: ConnectionUpdate, actor: AuditActor): Promise<{ saved: ConnectionInfo } | { problems: string[] }> {
  const { localDev } = config;
  try {
    const saved = await setConnection(db, config.secretsKey, tenant, update, localDev, {
      actor,
      beforeSave: async (settings) => {
        const report = await checkProvider(settings, localDev);
        if (!report.ok) throw new ProviderNotReady(report.problems);
      },
    });
    return { saved };
  } catch (err) {
    if (!(err instanceof ProviderNotReady || err instanceof StoreError)) throw err;
    const problems = err instanceof ProviderNotReady ? err.problems : [err.message];
    await auditInsert(db, { tenantId: tenant.id, actor, action: 'oidc.update', resourceType: 'OidcConnection', resourceId: tenant.id, outcome: 'failure', detail: problems.join('; ') });
    return { problems };
  }
}
