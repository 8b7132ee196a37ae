/** Who calls the management API: the bearer API key, checked on every request (a revoked key stops at once). */
import { createMiddleware } from 'hono/factory';
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { ApiProblem } from '../http/errors.ts';
import { findTenantBySlug, type Tenant } from '../tenants/tenant-store.ts';
import { liveApiKey, type ApiKeyInfo } from './api-keys.ts';

/** The caller's key, and the tenant the operation's path names once it is checked against the key. */
export type ApiVariables = { apiKey: ApiKeyInfo; tenant?: Tenant };

const unauthorized = (detail: string) => new ApiProblem(401, detail, { 'www-authenticate': 'Bearer realm="edge-identity-api"' });

/** Requires `Authorization: Bearer eid_api_…` of a live key. */
export const requireApiKey = createMiddleware<{ Bindings: Env; Variables: ApiVariables }>(async (c, next) => {
  const header = c.req.header('authorization');
  if (!header) throw unauthorized('Send an API key: "Authorization: Bearer eid_api_…" (npm run tenant -- api-key create).');
  const match = /^Bearer[ ]+(\S+)$/i.exec(header.trim());
  const key = match && (await liveApiKey(database(c.env.DB), match[1]!));
  if (!key) throw unauthorized('The API key is unknown or revoked.');
  c.set('apiKey', key);
  await next();
});

/**
 * Tenant `slug` for `key`: 404 when there is none, 403 when the key is bound to another tenant
 * (it cannot learn whether the slug exists: an unknown slug is 403 for it too).
 */
export async function tenantForKey(env: Env, key: ApiKeyInfo, slug: string): Promise<Tenant> {
  const tenant = await findTenantBySlug(database(env.DB), slug);
  if (key.tenantId !== null && tenant?.id !== key.tenantId) throw new ApiProblem(403, `This API key is bound to another tenant and cannot read "${slug}".`);
  if (!tenant) throw new ApiProblem(404, `There is no tenant "${slug}".`);
  return tenant;
}
