/** The management API's front door, `/api/v1`: JSON answers, RFC 9457 problem details for errors, API keys for access. */
import { zValidator } from '@hono/zod-validator';
import { Hono } from 'hono';
import { z } from 'zod';
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { eventsAfter } from '../events/event-feed.ts';
import { ApiProblem } from '../http/errors.ts';
import { apiHook } from '../http/validation.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { ssoRequired } from '../tenants/sso-requirement.ts';
import { normalizeDomain, tenantForDomain } from '../tenants/domain-store.ts';
import { requireApiKey, tenantForKey, type ApiVariables } from './authenticate.ts';
import { snapshotPage } from './directory-snapshot.ts';

/** A tenant as the API shows it. */
function tenantJson(tenant: Tenant, requireSso: boolean) {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name, scimEnabled: tenant.scimEnabled, requireSso, roles: tenant.roles, defaultRole: tenant.defaultRole, createdAt: tenant.createdAt };
}

/** A page size: 1 to 500, 100 when absent. */
const limit = z.coerce.number().int().min(1).max(500).default(100);
const feedQuery = z.object({ after: z.coerce.number().int().min(0).default(0), limit });
const snapshotQuery = z.object({ as_of: z.literal('latest').default('latest'), cursor: z.string().max(2000).optional(), limit });

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
  .get('/tenants/:slug', async (c) => {
    const tenant = await tenantForKey(c.env, c.get('apiKey'), c.req.param('slug'));
    return c.json(tenantJson(tenant, await ssoRequired(database(c.env.DB), tenant.id)));
  })
  // Home-realm discovery for the host's own login page: which tenant an email domain signs in with.
  .get('/domains/:domain', async (c) => {
    const key = c.get('apiKey');
    const db = database(c.env.DB);
    let domain: string;
    try {
      domain = normalizeDomain(c.req.param('domain'));
    } catch (err) {
      throw new ApiProblem(400, `domain: ${(err as Error).message}`);
    }
    const tenant = await tenantForDomain(db, domain);
    // A tenant-bound key learns nothing of other tenants' domains: unknown and foreign alike are 404.
    if (!tenant || (key.tenantId !== null && key.tenantId !== tenant.id)) throw new ApiProblem(404, `No tenant signs in with the verified domain "${domain}".`);
    const origin = new URL(c.req.url).origin;
    return c.json({ domain, tenant: tenant.slug, requireSso: await ssoRequired(db, tenant.id), signInUrl: `${origin}/auth/${tenant.slug}/login` });
  })
  // The change log after a cursor (README "Receive directory changes").
  .get('/tenants/:slug/events', zValidator('query', feedQuery, apiHook), async (c) => {
    const tenant = await tenantForKey(c.env, c.get('apiKey'), c.req.param('slug'));
    const { after, limit } = c.req.valid('query');
    const page = await eventsAfter(database(c.env.DB), tenant, after, limit);
    if (page.kind === 'gone') {
      throw new ApiProblem(410, `Events after seq ${after} are no longer kept; the oldest kept is ${page.oldestSeq}. Rebuild from the directory snapshot, then read the feed after its seq.`, {}, { oldestSeq: page.oldestSeq });
    }
    return c.json({ data: page.events, next: page.next });
  })
  // A snapshot the feed continues from its seq.
  .get('/tenants/:slug/directory', zValidator('query', snapshotQuery, apiHook), async (c) => {
    const tenant = await tenantForKey(c.env, c.get('apiKey'), c.req.param('slug'));
    const { cursor, limit } = c.req.valid('query');
    return c.json(await snapshotPage(database(c.env.DB), tenant, tenantScimBase(new URL(c.req.url).origin, tenant.slug), limit, cursor));
  });
