/**
 * Per-tenant quotas on the shared database: a create past the tenant's quota of users or groups is
 * SCIM 507 and writes nothing — also when creates arrive together and share one combined batch.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setQuotas } from '../src/tenants/tenant-store.ts';
import { oktaNewGroup, oktaNewUser } from './support/okta-bodies.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

async function counts(tenantId: string) {
  const row = await env.DB.prepare(`SELECT (SELECT COALESCE(SUM(count), 0) FROM page_buckets WHERE tenant_id = ?1 AND resource_type = 'User') AS users, (SELECT COALESCE(SUM(count), 0) FROM page_buckets WHERE tenant_id = ?1 AND resource_type = 'Group') AS groups, (SELECT COUNT(*) FROM users WHERE tenant_id = ?1) AS userRows`).bind(tenantId).first();
  return row;
}

describe('tenant quotas', () => {
  it('refuses the create past the user quota with 507 in the SCIM error shape, and stores nothing of it', async () => {
    const t = await tenantWithToken();
    await setQuotas(db(), await tenantRow(t.slug), { maxUsers: 2 });
    expect((await t.scim.post('/Users', oktaNewUser('one@acme.test'))).status).toBe(201);
    expect((await t.scim.post('/Users', oktaNewUser('two@acme.test'))).status).toBe(201);
    const refused = await t.scim.post('/Users', oktaNewUser('three@acme.test'));
    expect(refused.status).toBe(507);
    expect(await refused.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '507', detail: expect.stringMatching(/as many users as its quota allows/) });
    expect(await counts(t.tenant.id)).toMatchObject({ users: 2, userRows: 2 });
    // A delete makes room again.
    const listed = (await (await t.scim.get('/Users')).json()) as { Resources: { id: string }[] };
    expect((await t.scim.delete(`/Users/${listed.Resources[0]!.id}`)).status).toBe(204);
    expect((await t.scim.post('/Users', oktaNewUser('three@acme.test'))).status).toBe(201);
  });

  it('lets exactly the quota through when creates arrive together', async () => {
    const t = await tenantWithToken();
    await setQuotas(db(), await tenantRow(t.slug), { maxUsers: 3 });
    const statuses = await Promise.all(Array.from({ length: 8 }, (_, i) => t.scim.post('/Users', oktaNewUser(`burst${i}@acme.test`)).then((r) => r.status)));
    expect(statuses.filter((s) => s === 201)).toHaveLength(3);
    expect(statuses.filter((s) => s === 507)).toHaveLength(5);
    expect(await counts(t.tenant.id)).toMatchObject({ users: 3, userRows: 3 });
  });

  it('applies the group quota to groups, and refuses a quota below what the tenant holds', async () => {
    const t = await tenantWithToken();
    await setQuotas(db(), await tenantRow(t.slug), { maxGroups: 1 });
    expect((await t.scim.post('/Groups', oktaNewGroup('Only'))).status).toBe(201);
    expect((await t.scim.post('/Groups', oktaNewGroup('Second'))).status).toBe(507);
    await expect(setQuotas(db(), await tenantRow(t.slug), { maxGroups: 0 })).rejects.toThrow(/already holds 1 groups/);
  });
});
