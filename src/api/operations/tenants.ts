/** Tenants: list (or find by the host's external id), create (idempotent), read, change, delete. */
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { oidcConnections } from '../../db/schema.ts';
import { ApiProblem } from '../../http/errors.ts';
import { slugProblem } from '../../tenants/slug.ts';
import { createTenant, findTenantByExternalId, listTenants, renameTenant, setQuotas, setScimEnabled } from '../../tenants/tenant-store.ts';
import { deleteTenant } from '../../tenants/tenant-deletion.ts';
import { accessAnnouncer } from '../../scim/port/tenant-reads.ts';
import { operation } from '../operation.ts';
import { slugParams, tenantAnswer, tenantSchema } from '../schemas.ts';
import { heldResources, NOTHING_HELD } from '../../db/held-resources.ts';

const externalId = z.string().min(1).max(255).meta({ description: "The host application's own id for this customer, unique across tenants." });
const name = z.string().trim().min(1).max(200);

const createBody = z.strictObject({
  slug: z.string().superRefine((slug, ctx) => {
    const problem = slugProblem(slug);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
  name: name.optional().meta({ description: 'Shown to people; the slug when absent.' }),
  externalId: externalId.optional(),
});

const changeBody = z.strictObject({
  name: name.optional(),
  externalId: externalId.nullable().optional().meta({ description: 'null clears it.' }),
  scimEnabled: z.boolean().optional().meta({ description: 'Turning SCIM on also turns just-in-time sign-in off: SCIM then decides who exists.' }),
  maxUsers: z.number().int().min(0).max(100_000_000).optional(),
  maxGroups: z.number().int().min(0).max(10_000_000).optional(),
});

const tenantList = z.object({ data: z.array(tenantSchema) });

export const tenantOperations = [
  operation({
    method: 'get',
    path: '/tenants',
    id: 'listTenants',
    tag: 'Tenants',
    summary: 'List tenants, or find the one with an external id',
    description: 'A key bound to a tenant sees only that tenant.',
    access: 'tenant',
    query: z.object({ externalId: externalId.optional() }),
    status: 200,
    response: tenantList,
    async handle({ db, origin, key, query }) {
      const found = query.externalId === undefined ? await listTenants(db) : [await findTenantByExternalId(db, query.externalId)].filter((t) => t !== undefined);
      const visible = found.filter((t) => key.tenantId === null || t.id === key.tenantId);
      const requiring = new Set((await db.select({ tenantId: oidcConnections.tenantId }).from(oidcConnections).where(eq(oidcConnections.requireSso, true)).all()).map((r) => r.tenantId));
      const held = await heldResources(db, visible.map((t) => t.id));
      return { data: await Promise.all(visible.map((t) => tenantAnswer(db, origin, t, { requireSso: requiring.has(t.id), held: held(t.id) }))) };
    },
  }),
  operation({
    method: 'post',
    path: '/tenants',
    id: 'createTenant',
    tag: 'Tenants',
    summary: 'Create a tenant (SCIM starts disabled)',
    description: 'Send an `Idempotency-Key` header to make retries safe: the same key and body answer the first response again.',
    access: 'operator',
    body: createBody,
    status: 201,
    response: tenantSchema,
    idempotent: true,
    async handle({ db, origin, body, actor }) {
      return tenantAnswer(db, origin, await createTenant(db, body.slug, { name: body.name, externalId: body.externalId }, actor), { requireSso: false, held: NOTHING_HELD });
    },
  }),
  operation({
    method: 'get',
    path: '/tenants/{slug}',
    id: 'getTenant',
    tag: 'Tenants',
    summary: 'Read a tenant',
    access: 'tenant',
    params: slugParams,
    status: 200,
    response: tenantSchema,
    handle: ({ db, origin, tenant }) => tenantAnswer(db, origin, tenant),
  }),
  operation({
    method: 'patch',
    path: '/tenants/{slug}',
    id: 'updateTenant',
    tag: 'Tenants',
    summary: "Change a tenant's name, external id, SCIM switch or quotas",
    description: 'Fields left out keep their values. A quota below what the tenant holds is 409.',
    access: 'tenant',
    params: slugParams,
    body: changeBody,
    status: 200,
    response: tenantSchema,
    async handle({ c, db, origin, tenant, body, actor }) {
      if (Object.keys(body).length === 0) throw new ApiProblem(400, 'Name at least one of name, externalId, scimEnabled, maxUsers, maxGroups.');
      let changed = await renameTenant(db, tenant, { name: body.name, externalId: body.externalId }, actor);
      if (body.maxUsers !== undefined || body.maxGroups !== undefined) changed = await setQuotas(db, changed, { maxUsers: body.maxUsers, maxGroups: body.maxGroups }, actor);
      if (body.scimEnabled !== undefined && body.scimEnabled !== changed.scimEnabled) changed = await setScimEnabled(db, accessAnnouncer(c.env), changed, body.scimEnabled, actor);
      return tenantAnswer(db, origin, changed);
    },
  }),
  operation({
    method: 'delete',
    path: '/tenants/{slug}',
    id: 'deleteTenant',
    tag: 'Tenants',
    summary: 'Delete a tenant and all its data',
    description:
      'The tenant is gone for every caller when this answers: its slug and external id are free again, its tokens revoked, its sign-in, domains, setup links, webhooks and tenant-bound API keys removed. Its users, groups and events are deleted with it, for good: a small tenant within this request, a large one in bounded chunks within minutes after it.',
    access: 'operator',
    params: slugParams,
    status: 204,
    async handle({ c, db, tenant, actor }) {
      await deleteTenant(db, accessAnnouncer(c.env), tenant, actor);
    },
  }),
];
