/**
 * `POST /internal/tenants/{id}/access-changed`: how the CLI, which writes D1 from outside the
 * Worker, tells a running tenant object that the tenant's tokens or SCIM switch changed. It only
 * makes the object read them from D1 again, so it needs no credential; an id that is no tenant's
 * reaches no object (one D1 lookup, as an unknown SCIM token costs).
 */
import { eq } from 'drizzle-orm';
import { Hono } from 'hono';
import { database } from './db/client.ts';
import { tenants } from './db/schema.ts';
import type { Env } from './env.ts';
import { announceAccessChanged } from './scim/port/tenant-reads.ts';

export const tenantAccessRoutes = new Hono<{ Bindings: Env }>().post('/tenants/:tenantId/access-changed', async (c) => {
  const tenantId = c.req.param('tenantId');
  const known = await database(c.env.DB).select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenantId)).get();
  if (!known) return c.json({ error: 'not_found', tenantId }, 404);
  await announceAccessChanged(c.env, tenantId);
  return c.body(null, 204);
});
