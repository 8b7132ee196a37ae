/** The management API's front door, `/api/v1`: JSON answers, RFC 9457 problem details for errors, API keys for access. */
import { Hono } from 'hono';
import type { Env } from '../env.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { requireApiKey, tenantForKey, type ApiVariables } from './authenticate.ts';

/** A tenant as the API shows it. */
function tenantJson(tenant: Tenant) {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, scimEnabled: tenant.scimEnabled, roles: tenant.roles, defaultRole: tenant.defaultRole, createdAt: tenant.createdAt };
}

export const apiRoutes = new Hono<{ Bindings: Env; Variables: ApiVariables }>()
  .use(async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  })
  .use(requireApiKey)
  // The key itself: what it may read.
  .get('/', (c) => {
    const key = c.get('apiKey');
    return c.json({ key: { id: key.id, label: key.label, tenantId: key.tenantId, scope: key.tenantId === null ? 'operator' : 'tenant' } });
  })
  // Anything else falls to the Worker's not-found, which answers under /api in this API's shape.
  .get('/tenants/:slug', async (c) => c.json(tenantJson(await tenantForKey(c.env, c.get('apiKey'), c.req.param('slug')))));
