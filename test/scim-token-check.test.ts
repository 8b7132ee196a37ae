/**
 * The token check of a token already seen rides in the request's first D1 batch or in the tenant
 * object's write batch: these cases prove a change to the token or tenant still counts on the very
 * next request, whatever that request does first.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { revokeScimToken, setScimEnabled } from '../src/tenants/tenant-store.ts';
import { db, oktaNewUser, tenantWithToken } from './support/tenants.ts';

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
    await revokeScimToken(db(), slug, tokenId);
    await expectRevoked(await scim.post('/Users', oktaNewUser('after.revoke@acme.com')));
    const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ? AND user_name = ?').bind(tenant.id, 'after.revoke@acme.com').first<{ n: number }>();
    expect(stored?.n).toBe(0);
  });

  it('cannot deactivate, and learns nothing from a PATCH of an unknown id or a bad body', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    await revokeScimToken(db(), slug, tokenId);
    await expectRevoked(await scim.patch(`/Users/${user.id}`, deactivate));
    await expectRevoked(await scim.patch(`/Users/${crypto.randomUUID()}`, deactivate));
    await expectRevoked(await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'] }));
    const row = await env.DB.prepare('SELECT active FROM users WHERE id = ?').bind(user.id).first<{ active: number }>();
    expect(row?.active).toBe(1);
  });

  it('cannot read a user, a filtered list or the discovery documents', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    await revokeScimToken(db(), slug, tokenId);
    await expectRevoked(await scim.get(`/Users/${user.id}`));
    await expectRevoked(await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${user.userName}"`)}`));
    await expectRevoked(await scim.get('/ServiceProviderConfig'));
    await expectRevoked(await scim.get('/Groups'));
  });

  it('cannot make a PATCH that changes nothing look accepted', async () => {
    const { scim, slug, tokenId, user } = await seenToken();
    expect((await scim.patch(`/Users/${user.id}`, deactivate)).status).toBe(200);
    await revokeScimToken(db(), slug, tokenId);
    await expectRevoked(await scim.patch(`/Users/${user.id}`, deactivate));
  });
});

describe('a token seen before', () => {
  it('gets 403 on the next write once its tenant disabled SCIM, and works again once re-enabled', async () => {
    const { scim, slug } = await seenToken();
    await setScimEnabled(db(), slug, false);
    const refused = await scim.post('/Users', oktaNewUser('while.disabled@acme.com'));
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ status: '403', detail: expect.stringMatching(/disabled/) });
    await setScimEnabled(db(), slug, true);
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
