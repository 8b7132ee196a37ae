/**
 * The token check of a token already seen rides in the request's first D1 batch or in the tenant
 * object's write batch: these cases prove a change to the token or tenant still counts on the very
 * next request, whatever that request does first.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { TenantObject } from '../src/tenant-object/tenant-object.ts';
import { createScimToken, revokeScimToken, setScimEnabled } from '../src/tenants/tenant-store.ts';
import { hashToken } from '../src/tenants/tokens.ts';
import { oktaNewGroup } from './support/okta-bodies.ts';
import { db, oktaNewUser, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const deactivate = { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] };

/** A tenant whose token this isolate has seen (one request went through), and one user. */
async function seenToken() {
  const t = await tenantWithToken();
  const created = await t.scim.post('/Users', oktaNewUser(`seen.${crypto.randomUUID().slice(0, 8)}@acme.com`));
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string; userName: string };
  return { ...t, user };
}

async function expectRevoked(res: Response) {
  expect(res.status).toBe(401);
  expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
  expect(await res.json()).toMatchObject({ status: '401', detail: expect.stringMatching(/revoked/) });
}

describe('a token seen before, revoked since', () => {
  it('cannot create: the write batch rolls back and nothing is stored', async () => {
    const { scim, slug, tokenId, tenant } = await seenToken();
    await revokeScimToken(db(), announce, await tenantRow(slug), tokenId);
    await expectRevoked(await scim.post('/Users', oktaNewUser('after.revoke@acme.com')));
    const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ? AND user_name = ?').bind(tenant.id, 'after.revoke@acme.com').first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });

  it('cannot deactivate, and learns nothing from a PATCH of an unknown id or a bad body', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    await revokeScimToken(db(), announce, await tenantRow(slug), tokenId);
    await expectRevoked(await scim.patch(`/Users/${user.id}`, deactivate));
    await expectRevoked(await scim.patch(`/Users/${crypto.randomUUID()}`, deactivate));
    await expectRevoked(await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }));
    const row = await env.DB.prepare('SELECT active FROM users WHERE id = ?').bind(user.id).first<{ active: number }>();
    expect(row?.active).toBe(1);
  });

  it('cannot read a user, a filtered list or the discovery documents', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    await revokeScimToken(db(), announce, await tenantRow(slug), tokenId);
    await expectRevoked(await scim.get(`/Users/${user.id}`));
    await expectRevoked(await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`));
    await expectRevoked(await scim.get('/ServiceProviderConfig'));
    await expectRevoked(await scim.get('/Groups'));
  });

  it('cannot make a PATCH that changes nothing look accepted', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    expect((await scim.patch(`/Users/${user.id}`, deactivate)).status).toBe(200);
    await revokeScimToken(db(), announce, await tenantRow(slug), tokenId);
    await expectRevoked(await scim.patch(`/Users/${user.id}`, deactivate));
  });
});

describe('a token seen before', () => {
  it('gets 403 on the next write once its tenant disabled SCIM, and works again once re-enabled', async () => {
    const { scim, slug } = await seenToken();
    await setScimEnabled(db(), announce, await tenantRow(slug), false);
    const refused = await scim.post('/Users', oktaNewUser('while.disabled@acme.com'));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ status: '403', detail: expect.stringMatching(/disabled/) });
    await setScimEnabled(db(), announce, await tenantRow(slug), true);
    expect((await scim.post('/Users', oktaNewUser('while.disabled@acme.com'))).status).toBe(201);
  });

  it('is checked against the role catalog as it is now, not as it was when the token was first seen', async () => {
    const { scim, tenant } = await seenToken();
    await env.DB.prepare('UPDATE tenants SET roles = ? WHERE id = ?').bind(JSON.stringify(['owner', 'auditor']), tenant.id).run();
    const withNewRole = await scim.post('/Users', oktaNewUser('new.role@acme.com', { roles: ['auditor'] }));
    expect(withNewRole.status).toBe(201);
    expect(await withNewRole.json()).toMatchObject({ roles: [{ value: 'auditor' }] });
    const withDroppedRole = await scim.post('/Users', oktaNewUser('dropped.role@acme.com', { roles: ['editor'] }));
    expect(withDroppedRole.status).toBe(400);
  });

  it('keeps working for concurrent reads and writes of one request burst', async () => {
    const { scim, user } = await seenToken();
    const statuses = await Promise.all([
      scim.get(`/Users/${user.id}`).then((r) => r.status),
      scim.get('/Users?count=5').then((r) => r.status),
      scim.patch(`/Users/${user.id}`, deactivate).then((r) => r.status),
      scim.post('/Users', oktaNewUser(`burst.${crypto.randomUUID().slice(0, 8)}@acme.com`)).then((r) => r.status),
    ]);
    expect(statuses).toEqual([200, 200, 200, 201]);
  });
});

describe('the tenant object', () => {
  it("never lets a failed write's audit row take the token check of the write after it", async () => {
    const { tenant, slug } = await tenantWithToken();
    const revoked = await createScimToken(db(), await tenantRow(slug), 'revoked', undefined);
    await revokeScimToken(db(), announce, await tenantRow(slug), revoked.info.id);
    const tokenCheck = { tokenId: revoked.info.id, tokenHash: await hashToken(revoked.token), tenantId: tenant.id, slug, roles: tenant.roles };
    const base = { tenantId: tenant.id, tenantRoles: tenant.roles, actor: 'token:live' as const, baseUrl: 'https://edge.test/scim/v2/t' };
    const stub = env.TENANT.get(env.TENANT.idFromName(tenant.id));
    const [duplicate, group] = await runInDurableObject(stub, async (object: TenantObject) => {
      expect((await object.createUser({ ...base, body: oktaNewUser('taken@acme.com') })).ok).toBe(true);
      // The duplicate fails after handing in its batch (the unique index decides), while the
      // revoked token's create has its check waiting and reads (which wait for that batch).
      return Promise.allSettled([
        object.createUser({ ...base, body: oktaNewUser('taken@acme.com') }),
        object.createGroup({ ...base, actor: `token:${revoked.info.id}`, tokenCheck, body: oktaNewGroup('made by a revoked token') }),
      ]);
    });
    expect(duplicate).toMatchObject({ status: 'fulfilled', value: { ok: false, status: 409 } });
    expect(group).toMatchObject({ status: 'fulfilled', value: { ok: false, status: 401 } });
    const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM groups WHERE tenant_id = ?').bind(tenant.id).first<{ n: number }>();
    expect(stored?.n).toBe(0);
    const audit = await env.DB.prepare("SELECT action, outcome, status FROM audit_log WHERE tenant_id = ? AND action = 'user.create' AND outcome = 'failure'").bind(tenant.id).all();
    expect(audit.results).toEqual([{ action: 'user.create', outcome: 'failure', status: 409 }]);
  });
});
