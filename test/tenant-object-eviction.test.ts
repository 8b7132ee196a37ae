/**
 * The tenant object reset (evicted, or aborted by the runtime) with writes queued: D1 stays
 * consistent — every write committed whole or not at all, counters and page buckets agree with
 * the rows — and the object that comes back serves writes again, starting from D1.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import type { TenantObject } from '../src/tenant-object/tenant-object.ts';
import { oktaNewUser } from './support/okta-bodies.ts';
import { tenantWithToken } from './support/tenants.ts';

it('keeps D1 consistent when the object is reset with writes queued, and serves again after', async () => {
  const t = await tenantWithToken();
  const base = { tenantId: t.tenant.id, tenantRoles: t.tenant.roles, actor: 'token:test' as const, baseUrl: 'https://edge.test/scim/v2/t' };
  const stub = env.TENANT.get(env.TENANT.idFromName(t.tenant.id));
  const settled = await runInDurableObject(stub, async (object: TenantObject, state) => {
    // Two writes commit first; six more are queued when the reset comes.
    for (const name of ['kept0', 'kept1']) expect(await object.createUser({ ...base, body: oktaNewUser(`${name}@acme.test`) })).toMatchObject({ ok: true });
    const writes = Array.from({ length: 6 }, (_, i) => object.createUser({ ...base, body: oktaNewUser(`evicted${i}@acme.test`) }));
    // The runtime resets the object while those writes sit in its queue and group commit.
    state.abort('evicted for the test');
    return Promise.allSettled(writes);
  }).catch((err: unknown) => err);
  const stored = await env.DB.prepare('SELECT user_name FROM users WHERE tenant_id = ? ORDER BY user_name').bind(t.tenant.id).all<{ user_name: string }>();
  const counters = await env.DB.prepare("SELECT (SELECT COALESCE(SUM(count), 0) FROM page_buckets WHERE tenant_id = ?1 AND resource_type = 'User') AS buckets, (SELECT COUNT(*) FROM user_emails WHERE tenant_id = ?1) AS emails").bind(t.tenant.id).first<{ buckets: number; emails: number }>();
  expect(stored.results.length).toBeGreaterThanOrEqual(2);
  expect(counters).toEqual({ buckets: stored.results.length, emails: stored.results.length });
  // Whatever a caller was told, a user it was told was created exists.
  if (Array.isArray(settled)) {
    for (const [i, outcome] of settled.entries()) {
      if (outcome.status === 'fulfilled' && outcome.value.ok) expect(stored.results.map((r) => r.user_name)).toContain(`evicted${i}@acme.test`);
    }
  }
  // The object that comes back starts from D1: a write of an existing userName is 409, a new one 201.
  const fresh = env.TENANT.get(env.TENANT.idFromName(t.tenant.id));
  const again = await runInDurableObject(fresh, (object: TenantObject) => object.createUser({ ...base, body: oktaNewUser('after@acme.test') }));
  expect(again).toMatchObject({ ok: true });
  for (const { user_name } of stored.results) {
    const duplicate = await runInDurableObject(fresh, (object: TenantObject) => object.createUser({ ...base, body: oktaNewUser(user_name) }));
    expect(duplicate).toMatchObject({ ok: false, status: 409 });
  }
});
