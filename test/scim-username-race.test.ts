/** Serialized writes: the tenant object makes concurrent writes of one tenant behave as if one after another. */
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { users } from '../src/db/schema.ts';
import { abortUnlessChanged } from '../src/scim/storage/version.ts';
import { findUserRow } from '../src/scim/users/user-rows.ts';
import { oktaNewUser, tenantWithToken } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('concurrent SCIM writes', () => {
  it('K concurrent POSTs of one userName (in mixed case) give exactly one 201 and K−1 409s', async () => {
    const { scim, tenant } = await tenantWithToken();
    const K = 24;
    const statuses = await Promise.all(
      Array.from({ length: K }, (_, i) => scim.post('/Users', oktaNewUser(i % 2 ? 'Race.Winner@acme.com' : 'race.winner@acme.com')).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(K - 1);
    const count = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ?').bind(tenant.id).first<{ n: number }>();
    expect(count?.n).toBe(1);
    const listed = (await (await scim.get('/Users?count=0')).json()) as { totalResults: number };
    expect(listed.totalResults).toBe(1);
  });

  it('concurrent PATCHes of different attributes of one user all stick', async () => {
    const { scim } = await tenantWithToken();
    const user = (await (await scim.post('/Users', oktaNewUser('patched.often@acme.com'))).json()) as { id: string };
    const attributes = ['title', 'nickName', 'userType', 'preferredLanguage', 'locale', 'timezone', 'profileUrl', 'displayName'];
    const values: Record<string, string> = {
      title: 'Engineer',
      nickName: 'Pat',
      userType: 'Employee',
      preferredLanguage: 'en',
      locale: 'en-GB',
      timezone: 'Europe/London',
      profileUrl: 'https://acme.com/pat',
      displayName: 'Pat Often',
    };
    const results = await Promise.all(
      attributes.map((path) => scim.patch(`/Users/${user.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path, value: values[path] }] })),
    );
    expect(results.map((r) => r.status)).toEqual(attributes.map(() => 200));
    const final = (await (await scim.get(`/Users/${user.id}`)).json()) as Record<string, unknown> & { meta: { version: string } };
    for (const path of attributes) expect(final[path], path).toBe(values[path]);
    expect(final.meta.version).toBe(`W/"${attributes.length + 1}"`);
  });

  it('a request that fails part-way leaves no partial write', async () => {
    const { scim } = await tenantWithToken();
    const user = (await (await scim.post('/Users', oktaNewUser('atomic@acme.com'))).json()) as { id: string; meta: { version: string } };
    const res = await scim.patch(`/Users/${user.id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'title', value: 'Should not stick' },
        { op: 'replace', path: 'roles', value: [{ value: 'emperor' }] },
      ],
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('viewer') });
    const after = (await (await scim.get(`/Users/${user.id}`)).json()) as Record<string, unknown> & { meta: { version: string } };
    expect(after.title).toBeUndefined();
    expect(after.meta.version).toBe(user.meta.version);
  });

  it('writes of different tenants run side by side and stay apart', async () => {
    const tenants = await Promise.all([tenantWithToken(), tenantWithToken(), tenantWithToken()]);
    await Promise.all(tenants.flatMap((t) => Array.from({ length: 5 }, (_, i) => t.scim.post('/Users', oktaNewUser(`same.name${i}@acme.com`)))));
    for (const t of tenants) {
      expect(((await (await t.scim.get('/Users?count=0')).json()) as { totalResults: number }).totalResults).toBe(5);
    }
  });

  it('the database refuses a lost update even if two writers overlapped (version guard)', async () => {
    const { scim, tenant } = await tenantWithToken();
    const user = (await (await scim.post('/Users', oktaNewUser('guarded@acme.com'))).json()) as { id: string };
    const db = database(env.DB);
    const stale = (await findUserRow(db, tenant.id, user.id))!;
    // Another writer updates the row behind the tenant object's back.
    await env.DB.prepare('UPDATE users SET version = version + 1 WHERE id = ?').bind(user.id).run();
    // A batch computed from the stale row fails whole instead of overwriting.
    await expect(
      db.batch([
        db.update(users).set({ displayName: 'lost' }).where(sql`${users.id} = ${stale.id} AND ${users.version} = ${stale.version}`),
        abortUnlessChanged(db),
        db.update(users).set({ externalId: 'also-lost' }).where(sql`${users.id} = ${stale.id}`),
      ]),
    ).rejects.toThrow();
    const after = (await findUserRow(db, tenant.id, user.id))!;
    expect(after.version).toBe(stale.version + 1);
    expect(after.displayName).toBe(stale.displayName);
    expect(after.externalId).toBe(stale.externalId);
  });
});
