/** The core `roles` attribute against the tenant's role catalog (interop decision 7). */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { oktaNewUser, tenantWithToken } from './support/tenants.ts';

describe('user roles', () => {
  it('accepts catalog roles as strings or objects, normalised to [{value}]', async () => {
    const { scim } = await tenantWithToken();
    const one = await scim.post('/Users', oktaNewUser('role.string@acme.com', { roles: 'admin' }));
    expect(await one.json()).toMatchObject({ roles: [{ value: 'admin' }] });
    const many = await scim.post('/Users', oktaNewUser('role.array@acme.com', { roles: ['Editor', { value: 'viewer' }] }));
    expect(await many.json()).toMatchObject({ roles: [{ value: 'editor' }, { value: 'viewer' }] });
  });

  it('refuses a role outside the catalog with the allowed values in detail', async () => {
    const { scim } = await tenantWithToken();
    const res = await scim.post('/Users', oktaNewUser('role.bad@acme.com', { roles: [{ value: 'superuser' }] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { scimType: string; detail: string };
    expect(body.scimType).toBe('invalidValue');
    for (const role of ['owner', 'admin', 'editor', 'viewer']) expect(body.detail).toContain(role);
  });

  it('keeps a role the catalog dropped since it was granted, on PUT and PATCH, but grants no new one', async () => {
    const { scim, tenant } = await tenantWithToken();
    const user = (await (await scim.post('/Users', oktaNewUser('role.kept@acme.com', { roles: ['editor'] }))).json()) as Record<string, unknown> & { id: string };
    await env.DB.prepare('UPDATE tenants SET roles = ? WHERE id = ?').bind(JSON.stringify(['owner', 'admin', 'viewer']), tenant.id).run();
    const put = await scim.put(`/Users/${user.id}`, { ...user, title: 'Still an editor' });
    expect(put.status).toBe(200);
    expect(await put.json()).toMatchObject({ title: 'Still an editor', roles: [{ value: 'editor' }] });
    const patch = await scim.patch(`/Users/${user.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(patch.status).toBe(200);
    const other = (await (await scim.post('/Users', oktaNewUser('role.new@acme.com'))).json()) as { id: string };
    const grant = await scim.patch(`/Users/${other.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'roles', value: [{ value: 'editor' }] }] });
    expect(grant.status).toBe(400);
  });
});

describe('case-insensitive userName and emails beyond ASCII', () => {
  it('fold only A–Z, exactly like the unique index and the filter compiler, so writes and lookups agree', async () => {
    const { scim } = await tenantWithToken();
    const created = await scim.post('/Users', oktaNewUser('Émile.Zola@acme.com'));
    expect(created.status).toBe(201);
    // ASCII case differences are the same userName...
    expect((await scim.post('/Users', oktaNewUser('Émile.ZOLA@ACME.COM'))).status).toBe(409);
    // ...and the email lookup through the index finds it in any ASCII case.
    const found = (await (await scim.get(`/Users?filter=${encodeURIComponent('emails.value eq "Émile.zola@ACME.com"')}`)).json()) as { totalResults: number };
    expect(found.totalResults).toBe(1);
  });
});
