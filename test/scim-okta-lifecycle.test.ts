/** Okta's provisioning sequence (docs/interop.md), step by step, against real D1 and the tenant object. */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { oktaNewUser, tenantWithToken, type ScimClient } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

interface ScimUser {
  id: string;
  userName: string;
  active: boolean;
  meta: { location: string; version: string; created: string; lastModified: string; resourceType: string };
  [key: string]: unknown;
}

describe('Okta provisioning lifecycle', () => {
  let scim: ScimClient;
  let tenantId: string;
  let tokenId: string;
  let alice: ScimUser;

  beforeAll(async () => {
    const t = await tenantWithToken();
    scim = t.scim;
    tenantId = t.tenant.id;
    tokenId = t.tokenId;
  });

  it('1. connection test: GET /Users?startIndex=1&count=2 on an empty tenant is an empty ListResponse', async () => {
    const res = await scim.get('/Users?startIndex=1&count=2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(await res.json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('2. lookup miss: filter userName eq with raw spaces answers 200 with totalResults 0, never 404', async () => {
    const res = await scim.get('/Users?filter=userName%20eq%20%22alice.smith%40acme.com%22&startIndex=1&count=100');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalResults: 0, Resources: [] });
    const plus = await scim.get('/Users?filter=userName+eq+%22alice.smith%40acme.com%22');
    expect(plus.status).toBe(200);
  });

  it('3. create: 201 with the full resource, Location = meta.location, ETag, and no password', async () => {
    const res = await scim.post('/Users', oktaNewUser('alice.smith@acme.com', { externalId: '00ujl29u0le5T6Aj10h7' }));
    expect(res.status).toBe(201);
    alice = (await res.json()) as ScimUser;
    expect(alice).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'alice.smith@acme.com',
      externalId: '00ujl29u0le5T6Aj10h7',
      name: { givenName: 'alice', familyName: 'smith' },
      emails: [{ primary: true, value: 'alice.smith@acme.com', type: 'work' }],
      active: true,
      groups: [],
      meta: { resourceType: 'User', version: 'W/"1"' },
    });
    expect(alice.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(alice).not.toHaveProperty('password');
    expect(res.headers.get('location')).toBe(alice.meta.location);
    expect(alice.meta.location).toBe(`${scim.base}/Users/${alice.id}`);
    expect(res.headers.get('etag')).toBe('W/"1"');
  });

  it('4. re-create, also with different case, is 409 uniqueness', async () => {
    for (const userName of ['alice.smith@acme.com', 'ALICE.Smith@Acme.com']) {
      const res = await scim.post('/Users', oktaNewUser(userName));
      expect(res.status, userName).toBe(409);
      expect(await res.json()).toMatchObject({ status: '409', scimType: 'uniqueness', detail: expect.stringContaining('userName') });
    }
  });

  it('5. filters are case-insensitive on userName; externalId finds the user too', async () => {
    for (const filter of ['userName eq "ALICE.SMITH@ACME.COM"', 'USERNAME EQ "alice.smith@acme.com"', 'externalId eq "00ujl29u0le5T6Aj10h7"']) {
      const res = await scim.get(`/Users?filter=${encodeURIComponent(filter)}&startIndex=1&count=100`);
      expect(res.status, filter).toBe(200);
      const body = (await res.json()) as { totalResults: number; Resources: ScimUser[] };
      expect(body.totalResults, filter).toBe(1);
      expect(body.Resources[0]!.id).toBe(alice.id);
    }
  });

  it('6. GET /Users/{id}; an unknown id is 404 with an actionable detail', async () => {
    const res = await scim.get(`/Users/${alice.id}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(alice);
    const missing = await scim.get('/Users/00000000-0000-0000-0000-000000000000');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: '404', detail: expect.stringContaining('not found') });
  });

  it('7. profile update: full PUT carrying id, meta, groups: [] and empty sub-attributes', async () => {
    const body = { ...alice, name: { givenName: 'Alice', familyName: 'Smith-Jones', middleName: '' }, title: 'CTO', groups: [] };
    const res = await scim.put(`/Users/${alice.id}`, body);
    expect(res.status).toBe(200);
    const updated = (await res.json()) as ScimUser;
    expect(updated).toMatchObject({ id: alice.id, title: 'CTO', name: { givenName: 'Alice', familyName: 'Smith-Jones' }, meta: { version: 'W/"2"' } });
    expect(updated.name).not.toHaveProperty('middleName');
    expect(updated.meta.created).toBe(alice.meta.created);
    alice = updated;
  });

  it('8. deactivate and reactivate with a pathless replace; the deactivated user is still found', async () => {
    const off = await scim.patch(`/Users/${alice.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: false } }] });
    expect(off.status).toBe(200);
    expect(await off.json()).toMatchObject({ id: alice.id, active: false });
    const found = await scim.get(`/Users?filter=${encodeURIComponent('userName eq "alice.smith@acme.com"')}`);
    expect(await found.json()).toMatchObject({ totalResults: 1, Resources: [{ active: false }] });
    expect((await scim.get(`/Users/${alice.id}`)).status).toBe(200);
    const on = await scim.patch(`/Users/${alice.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', value: { active: true } }] });
    expect(await on.json()).toMatchObject({ active: true });
    // The wizard apps' PUT with active: false deactivates too.
    const current = (await (await scim.get(`/Users/${alice.id}`)).json()) as ScimUser;
    const put = await scim.put(`/Users/${alice.id}`, { ...current, active: false });
    expect(await put.json()).toMatchObject({ active: false });
  });

  it('9. import: 250 users paged with count=100 in a stable order, counts as JSON integers', async () => {
    for (let i = 0; i < 249; i += 50) {
      await Promise.all(Array.from({ length: Math.min(50, 249 - i) }, (_, j) => scim.post('/Users', oktaNewUser(`import.user${i + j}@acme.com`))));
    }
    const seen: string[] = [];
    let startIndex = 1;
    let total = Infinity;
    while (startIndex <= total) {
      const res = await scim.get(`/Users?startIndex=${startIndex}&count=100`);
      const page = (await res.json()) as { totalResults: number; itemsPerPage: number; startIndex: number; Resources: ScimUser[] };
      expect(Number.isInteger(page.totalResults)).toBe(true);
      expect(page.startIndex).toBe(startIndex);
      total = page.totalResults;
      seen.push(...page.Resources.map((r) => r.id));
      startIndex += page.itemsPerPage;
      if (page.itemsPerPage === 0) break;
    }
    expect(total).toBe(250);
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(seen[0]).toBe(alice.id);
    // The same pages again: identical order.
    const again = (await (await scim.get('/Users?startIndex=101&count=100')).json()) as { Resources: ScimUser[] };
    expect(again.Resources.map((r) => r.id)).toEqual(seen.slice(100, 200));
    const onlyTotal = await (await scim.get('/Users?count=0')).json();
    expect(onlyTotal).toMatchObject({ totalResults: 250, itemsPerPage: 0, Resources: [] });
  });

  it('10. every write is in the audit log with the token id, and no secret is', async () => {
    const rows = await env.DB.prepare('SELECT actor, action, outcome, status FROM audit_log WHERE tenant_id = ? ORDER BY at, id').bind(tenantId).all<{ actor: string; action: string; outcome: string; status: number }>();
    const actions = rows.results.map((r) => `${r.action}:${r.outcome}:${r.status}`);
    expect(actions).toContain('user.create:success:201');
    expect(actions).toContain('user.create:failure:409');
    expect(actions).toContain('user.replace:success:200');
    expect(actions).toContain('user.patch:success:200');
    expect(rows.results.filter((r) => r.action.startsWith('user.')).every((r) => r.actor === `token:${tokenId}`)).toBe(true);
  });
});
