/**
 * The tenant object's row memory holds what a write decided before D1 has committed it. A later
 * write of the same resource must not decide on that guess: when the first write's batch is
 * refused (here: its token was revoked, which only D1's guard knows), a re-sent identical write is
 * a real write, not a "no change" answered from a state that never existed.
 */
import { env, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import type { TenantObject } from '../src/tenant-object/tenant-object.ts';
import { createScimToken, revokeScimToken } from '../src/tenants/tenant-store.ts';
import { hashToken } from '../src/tenants/tokens.ts';
import { oktaNewGroup, oktaNewUser, oktaSetActive } from './support/okta-bodies.ts';
import { PATCH_OP } from './support/groups.ts';
import { db, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

async function revokedTokenWriter() {
  const t = await tenantWithToken();
  const revoked = await createScimToken(db(), await tenantRow(t.slug), 'revoked', undefined);
  await revokeScimToken(db(), announce, await tenantRow(t.slug), revoked.info.id);
  const live = { tenantId: t.tenant.id, tenantRoles: t.tenant.roles, actor: 'token:live' as const, baseUrl: 'https://edge.test/scim/v2/t' };
  const refused = {
    ...live,
    actor: `token:${revoked.info.id}` as const,
    tokenCheck: { tokenId: revoked.info.id, tokenHash: await hashToken(revoked.token), tenantId: t.tenant.id, slug: t.slug, roles: t.tenant.roles },
  };
  return { t, live, refused, stub: env.TENANT.get(env.TENANT.idFromName(t.tenant.id)) };
}

describe('a write deciding on a row another write has not committed yet', () => {
  it('re-sent deactivation after a refused one really deactivates (no 200 from the uncommitted row)', async () => {
    const { t, live, refused, stub } = await revokedTokenWriter();
    const [first, resent, stored] = await runInDurableObject(stub, async (object: TenantObject) => {
      const created = await object.createUser({ ...live, body: oktaNewUser('resent@acme.test') });
      if (!created.ok) throw new Error('create failed');
      const id = created.value.id;
      // The refused write hands its batch to the group commit (and releases the queue) before D1 answers;
      // the re-sent one starts while that batch is in flight.
      const patch = patchRequestSchema.parse(oktaSetActive(false));
      const outcomes = await Promise.all([object.patchUser({ ...refused, id, patch }), object.patchUser({ ...live, id, patch })]);
      const row = await env.DB.prepare('SELECT active, version FROM users WHERE id = ?').bind(id).first<{ active: number; version: number }>();
      return [...outcomes, row] as const;
    });
    expect(first).toMatchObject({ ok: false, status: 401 });
    expect(resent).toMatchObject({ ok: true, value: { active: false, version: 2 } });
    expect(stored).toEqual({ active: 0, version: 2 });
    const audit = await env.DB.prepare("SELECT actor, outcome FROM audit_log WHERE tenant_id = ? AND action = 'user.patch' ORDER BY at, id").bind(t.tenant.id).all();
    expect(audit.results).toEqual([{ actor: 'token:live', outcome: 'success' }]);
  });

  it('re-sent group rename after a refused one really renames', async () => {
    const { live, refused, stub } = await revokedTokenWriter();
    const rename = patchRequestSchema.parse({ schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Renamed Team' }] });
    const [first, resent, stored] = await runInDurableObject(stub, async (object: TenantObject) => {
      const created = await object.createGroup({ ...live, body: oktaNewGroup('Team') });
      if (!created.ok) throw new Error('create failed');
      const id = created.value.id;
      const outcomes = await Promise.all([object.patchGroup({ ...refused, id, patch: rename }), object.patchGroup({ ...live, id, patch: rename })]);
      const row = await env.DB.prepare('SELECT display_name AS name, version FROM groups WHERE id = ?').bind(id).first<{ name: string; version: number }>();
      return [...outcomes, row] as const;
    });
    expect(first).toMatchObject({ ok: false, status: 401 });
    expect(resent).toMatchObject({ ok: true, value: { displayName: 'Renamed Team', version: 2 } });
    expect(stored).toEqual({ name: 'Renamed Team', version: 2 });
  });
});
