/**
 * After the CLI revoked a token, turned SCIM off or deleted a tenant in D1, it tells the running
 * service (src/tenant-access-route.ts): the tenant object answers SCIM reads from what it last read
 * about the tenant's tokens, and reads it again once told. Locally, no server listening means no
 * live object (a starting object reads D1 afresh), so there is nobody to tell.
 */
import { CliError } from './command.ts';

export async function announceAccessChanged(remote: boolean, baseUrl: string, tenantId: string): Promise<void> {
  const url = `${baseUrl}/internal/tenants/${encodeURIComponent(tenantId)}/access-changed`;
  let response: Response;
  try {
    response = await fetch(url, { method: 'POST' });
  } catch (err) {
    if (!remote) return;
    throw notTold(url, String((err as Error).cause ?? err));
  }
  await response.body?.cancel();
  if (response.status !== 204 && (remote || response.status !== 404)) throw notTold(url, `HTTP ${response.status}`);
}

function notTold(url: string, why: string): CliError {
  return new CliError(
    `the change is stored in D1, but the service could not be told (${why}); until it is, its tenant object may still accept the old token for reads. ` +
      `Set EDGE_IDENTITY_BASE_URL to the Worker's origin and send: curl -X POST ${url}`,
  );
}
