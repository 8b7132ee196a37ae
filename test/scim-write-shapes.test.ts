/**
 * A write's statements are compiled once per shape and bound per request (user rows, email rows
 * from one JSON array whatever their count, counters, page buckets, audit rows, memberships): each
 * request must store its own values, never those of the request the shape was compiled for or of
 * another tenant.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { oktaAddMembers, oktaSetActive } from './support/okta-bodies.ts';
import { oktaNewUser, tenantWithToken, type ScimClient } from './support/tenants.ts';

type Email = { value: string; type?: string; primary?: boolean };

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@Shapes.Example`;

async function createUser(scim: ScimClient, userName: string, emails: Email[]): Promise<{ id: string; userName: string }> {
  const res = await scim.post('/Users', oktaNewUser(userName, { emails }));
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; userName: string };
}

async function storedEmails(userId: string) {
  const { results } = await env.DB.prepare('SELECT tenant_id AS tenantId, value, type, "primary" FROM user_emails WHERE user_id = ? ORDER BY value').bind(userId).all();
  return results;
}

async function storedUser(userId: string) {
  return env.DB.prepare('SELECT tenant_id AS tenantId, user_name AS userName, active, version FROM users WHERE id = ?').bind(userId).first();
}

async function auditOf(resourceId: string) {
  const { results } = await env.DB.prepare('SELECT tenant_id AS tenantId, action, status, detail FROM audit_log WHERE resource_id = ? ORDER BY at, id').bind(resourceId).all();
  return results;
}

describe('write statements reused across requests of one shape', () => {
  it('stores each create with its own values and email count, per tenant', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const plans: { scim: ScimClient; tenantId: string; userName: string; emails: Email[] }[] = [
      { scim: a.scim, tenantId: a.tenant.id, userName: unique('three'), emails: [{ value: 'One@X.Example', type: 'work', primary: true }, { value: 'two@x.example', type: 'home' }, { value: 'three@x.example' }] },
      { scim: b.scim, tenantId: b.tenant.id, userName: unique('none'), emails: [] },
      { scim: a.scim, tenantId: a.tenant.id, userName: unique('one'), emails: [{ value: 'Solo@Y.Example', type: 'other' }] },
      { scim: b.scim, tenantId: b.tenant.id, userName: unique('two'), emails: [{ value: 'b1@z.example', primary: true }, { value: 'B2@z.example', type: 'work' }] },
    ];
    // Concurrent, so their writes share group commits of one tenant object each.
    const created = await Promise.all(plans.map((p) => createUser(p.scim, p.userName, p.emails)));
    for (const [i, plan] of plans.entries()) {
      const user = created[i]!;
      expect(await storedUser(user.id)).toEqual({ tenantId: plan.tenantId, userName: plan.userName, active: 1, version: 1 });
      const expected = plan.emails
        .map((e) => ({ tenantId: plan.tenantId, value: e.value.toLowerCase(), type: e.type ?? null, primary: e.primary ? 1 : 0 }))
        .sort((x, y) => x.value.localeCompare(y.value));
      expect(await storedEmails(user.id)).toEqual(expected);
      expect(await auditOf(user.id)).toEqual([{ tenantId: plan.tenantId, action: 'user.create', status: 201, detail: null }]);
    }
    const counts = await env.DB.prepare(`SELECT tenant_id AS id, SUM(count) AS n FROM page_buckets WHERE tenant_id IN (?, ?) AND resource_type = 'User' GROUP BY 1`).bind(a.tenant.id, b.tenant.id).all();
    expect(Object.fromEntries(counts.results.map((r) => [r.id, r.n]))).toEqual({ [a.tenant.id]: 2, [b.tenant.id]: 2 });
  });

  it('updates only the addressed user, with its own emails, version and groups', async () => {
    const { scim, tenant } = await tenantWithToken();
    const [left, right] = await Promise.all([
      createUser(scim, unique('left'), [{ value: 'l1@x.example' }, { value: 'l2@x.example' }]),
      createUser(scim, unique('right'), [{ value: 'r1@x.example', primary: true }]),
    ]);
    const group = (await (await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: unique('g') })).json()) as { id: string };
    expect((await scim.patch(`/Groups/${group.id}`, oktaAddMembers([{ value: right!.id, display: right!.userName }]))).status).toBe(204);

    const [deactivated, replaced] = await Promise.all([
      scim.patch(`/Users/${left!.id}`, oktaSetActive(false)),
      scim.patch(`/Users/${right!.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'emails', value: [{ value: 'R9@X.Example', type: 'home' }, { value: 'r8@x.example' }, { value: 'r7@x.example' }] }] }),
    ]);
    expect(deactivated.status).toBe(200);
    expect(replaced.status).toBe(200);
    const leftBody = (await deactivated.json()) as { active: boolean; groups: unknown[] };
    const rightBody = (await replaced.json()) as { active: boolean; groups: { value: string }[] };
    expect(leftBody.active).toBe(false);
    expect(leftBody.groups).toEqual([]);
    expect(rightBody.active).toBe(true);
    expect(rightBody.groups.map((g) => g.value)).toEqual([group.id]);

    expect(await storedUser(left!.id)).toMatchObject({ tenantId: tenant.id, active: 0, version: 2 });
    // Joining the group moved right's version once (its `groups` changed), the email replace once more.
    expect(await storedUser(right!.id)).toMatchObject({ tenantId: tenant.id, active: 1, version: 3 });
    expect((await storedEmails(left!.id)).map((e) => e.value)).toEqual(['l1@x.example', 'l2@x.example']);
    expect(await storedEmails(right!.id)).toEqual([
      { tenantId: tenant.id, value: 'r7@x.example', type: null, primary: 0 },
      { tenantId: tenant.id, value: 'r8@x.example', type: null, primary: 0 },
      { tenantId: tenant.id, value: 'r9@x.example', type: 'home', primary: 0 },
    ]);
    expect((await auditOf(left!.id)).map((r) => r.action)).toEqual(['user.create', 'user.patch']);
    expect((await auditOf(group.id)).map((r) => r.detail)).toEqual(['members: +0 -0', 'members: +1 -0']);
  });

  it('decides member adds in their batch: concurrent adds to one group each apply once, a re-sent add is a no-op', async () => {
    const { scim, tenant } = await tenantWithToken();
    const members = await Promise.all(['m1', 'm2', 'm3'].map((n) => createUser(scim, unique(n), [])));
    const group = (await (await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: unique('adds') })).json()) as { id: string };
    const add = (m: { id: string; userName: string }) => scim.patch(`/Groups/${group.id}`, oktaAddMembers([{ value: m.id, display: m.userName }]));
    // m1 twice among the concurrent adds: one of the two adds nothing.
    const statuses = await Promise.all([add(members[0]!), add(members[1]!), add(members[0]!), add(members[2]!)].map(async (r) => (await r).status));
    expect(statuses).toEqual([204, 204, 204, 204]);
    const again = await add(members[1]!);
    expect(again.status).toBe(204);
    expect(again.headers.get('etag')).toBe('W/"4"');
    const stored = await env.DB.prepare('SELECT version, tenant_id AS tenantId FROM groups WHERE id = ?').bind(group.id).first();
    expect(stored).toEqual({ version: 4, tenantId: tenant.id });
    const { results } = await env.DB.prepare('SELECT user_id AS userId FROM group_members WHERE group_id = ? ORDER BY user_id').bind(group.id).all();
    expect(results.map((r) => r.userId)).toEqual(members.map((m) => m.id).sort());
    expect((await auditOf(group.id)).map((r) => r.detail)).toEqual(['members: +0 -0', 'members: +1 -0', 'members: +1 -0', 'members: +1 -0']);
  });

  it('decides a PATCH that removes and adds members in its batch: counted exactly in its audit row, a re-sent one a no-op', async () => {
    const { scim } = await tenantWithToken();
    const [m1, m2, m3, m4] = await Promise.all(['c1', 'c2', 'c3', 'c4'].map((n) => createUser(scim, unique(n), [])));
    const group = (await (await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: unique('changes') })).json()) as { id: string };
    expect((await scim.patch(`/Groups/${group.id}`, oktaAddMembers([m1!, m2!].map((m) => ({ value: m.id, display: m.userName }))))).status).toBe(204);
    // Okta's shape: a remove by filter and an add in one request.
    const change = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${m1!.id}"]` }, ...oktaAddMembers([m3!, m4!].map((m) => ({ value: m.id, display: m.userName }))).Operations] };
    const first = await scim.patch(`/Groups/${group.id}`, change);
    expect([first.status, first.headers.get('etag')]).toEqual([204, 'W/"3"']);
    const again = await scim.patch(`/Groups/${group.id}`, change);
    expect([again.status, again.headers.get('etag')]).toEqual([204, 'W/"3"']);
    const { results } = await env.DB.prepare('SELECT user_id AS userId FROM group_members WHERE group_id = ? ORDER BY user_id').bind(group.id).all();
    expect(results.map((r) => r.userId)).toEqual([m2!, m3!, m4!].map((m) => m.id).sort());
    expect((await auditOf(group.id)).map((r) => r.detail)).toEqual(['members: +0 -0', 'members: +2 -0', 'members: +2 -1']);
  });

  it('keeps counters, page buckets and audit rows exact when concurrent writes of two tenants share group commits, a duplicate among them', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const taken = unique('taken');
    await createUser(a.scim, taken, []);
    const group = (scim: ScimClient, name: string) => scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: name });
    const doomed = (await (await group(b.scim, unique('doomed'))).json()) as { id: string };
    // Interleaved: creates of both tenants, a's duplicate (which fails its combined batch), group creates and a delete.
    const responses = await Promise.all([
      a.scim.post('/Users', oktaNewUser(unique('a1'), { emails: [] })),
      b.scim.post('/Users', oktaNewUser(unique('b1'), { emails: [] })),
      a.scim.post('/Users', oktaNewUser(taken.toUpperCase(), { emails: [] })),
      b.scim.post('/Users', oktaNewUser(taken, { emails: [] })),
      group(a.scim, unique('ga')),
      b.scim.delete(`/Groups/${doomed.id}`),
      a.scim.post('/Users', oktaNewUser(unique('a2'), { emails: [] })),
      group(b.scim, unique('gb')),
    ]);
    expect(responses.map((r) => r.status)).toEqual([201, 201, 409, 201, 201, 204, 201, 201]);
    for (const { tenant, users, groups } of [
      { tenant: a.tenant, users: 3, groups: 1 },
      { tenant: b.tenant, users: 2, groups: 1 },
    ]) {
      const counts = await env.DB.prepare(`SELECT (SELECT COALESCE(SUM(count), 0) FROM page_buckets WHERE tenant_id = ?1 AND resource_type = 'User') AS users, (SELECT COALESCE(SUM(count), 0) FROM page_buckets WHERE tenant_id = ?1 AND resource_type = 'Group') AS groups`).bind(tenant.id).first();
      expect(counts).toEqual({ users, groups });
      const stored = await env.DB.prepare('SELECT resource_type AS type, bucket, count FROM page_buckets WHERE tenant_id = ? AND count > 0 ORDER BY 1, 2').bind(tenant.id).all();
      const recount = await env.DB.prepare(
        `SELECT 'Group' AS type, seq >> 10 AS bucket, COUNT(*) AS count FROM groups WHERE tenant_id = ?1 GROUP BY 2 UNION ALL SELECT 'User', seq >> 10, COUNT(*) FROM users WHERE tenant_id = ?1 GROUP BY 2 ORDER BY 1, 2`,
      ).bind(tenant.id).all();
      expect(stored.results).toEqual(recount.results);
    }
    const actions = await env.DB.prepare(`SELECT action, outcome, status FROM audit_log WHERE tenant_id = ? AND actor LIKE 'token:%' ORDER BY at, id`).bind(a.tenant.id).all();
    // The duplicate leaves its failure row (written after its batch, so in no fixed place), never a success row.
    expect(actions.results.filter((r) => r.action === 'user.create').sort((x, y) => String(x.outcome).localeCompare(String(y.outcome))).reverse()).toEqual([
      ...Array(3).fill({ action: 'user.create', outcome: 'success', status: 201 }),
      { action: 'user.create', outcome: 'failure', status: 409 },
    ]);
    expect(actions.results.filter((r) => r.action === 'group.create')).toEqual([{ action: 'group.create', outcome: 'success', status: 201 }]);
  });
});
