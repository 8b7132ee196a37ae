/**
 * The tenant object's RPC surface: it writes only for the tenant it was named after, and exposes
 * nothing but its RPC methods (Workers RPC would expose any method the class declares).
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { expect, it } from 'vitest';
import { TenantObject } from '../src/tenant-object/tenant-object.ts';
import { oktaNewUser } from './support/okta-bodies.ts';
import { tenantWithToken } from './support/tenants.ts';

it("refuses a write for another tenant than its own, and stores nothing for either", async () => {
  const a = await tenantWithToken();
  const b = await tenantWithToken();
  const stub = env.TENANT.get(env.TENANT.idFromName(a.tenant.id));
  const attempt = runInDurableObject(stub, (object: TenantObject) =>
    object.createUser({ tenantId: b.tenant.id, tenantRoles: b.tenant.roles, actor: 'token:test', baseUrl: 'https://edge.test/scim/v2/t', body: oktaNewUser('crossed@acme.test') }),
  );
  await expect(attempt).rejects.toThrow(/was asked to serve tenant/);
  const stored = await env.DB.prepare('SELECT COUNT(*) AS n FROM users WHERE tenant_id IN (?, ?)').bind(a.tenant.id, b.tenant.id).first<{ n: number }>();
  expect(stored?.n).toBe(0);
});

it('declares only its RPC methods and the alarm: the write queue, the serving copy and the runner are private fields', () => {
  const methods = Object.getOwnPropertyNames(TenantObject.prototype).filter((name) => name !== 'constructor').sort();
  expect(methods).toEqual(['accessChanged', 'alarm', 'consumeLoginAttempt', 'createGroup', 'createUser', 'deleteGroup', 'deleteUser', 'findGroup', 'findUser', 'groupMembers', 'groupMembersAfter', 'listGroups', 'listUsers', 'patchGroup', 'patchUser', 'replaceGroup', 'replaceUser']);
});
