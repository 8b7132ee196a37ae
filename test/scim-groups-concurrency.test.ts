/** Concurrent group writes: the tenant object serializes them; the foreign keys are the backstop. */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { groupMembers, users } from '../src/db/schema.ts';
import { addMembers } from '../src/scim/groups/group-members.ts';
import { batchCompiled } from '../src/db/compiled-statement.ts';
import { eq } from 'drizzle-orm';
import { createGroup, createUsers, GROUP_URN, getGroup, memberIdsOf, patchGroup, sorted } from './support/groups.ts';
import { tenantWithToken } from './support/tenants.ts';

const danglingMemberships = async (tenantId: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM group_members gm WHERE gm.tenant_id = ? AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = gm.user_id)').bind(tenantId).first<{ n: number }>())?.n;

describe('concurrent group writes', () => {
  it('30 parallel PATCHes adding different members to one group lose none', async () => {
    const { scim } = await tenantWithToken();
    const people = await createUsers(scim, 30, 'parallel');
    const group = await createGroup(scim, 'Parallel Adds');
    const statuses = await Promise.all(people.map((p) => patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: p.id }] }]).then((r) => r.status)));
    expect(statuses).toEqual(people.map(() => 204));
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted(people.map((p) => p.id)));
    expect((await getGroup(scim, group.id, '?excludedAttributes=members')).meta.version).toBe(`W/"${people.length + 1}"`);
  });

  it('parallel adds and removes on one group end as if applied one after another', async () => {
    const { scim } = await tenantWithToken();
    const people = await createUsers(scim, 20, 'mixed');
    const [stay, go] = [people.slice(0, 10), people.slice(10)];
    const group = await createGroup(scim, 'Mixed Traffic', go.map((p) => p.id));
    const requests = [
      ...stay.map((p) => patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: p.id }] }])),
      ...go.map((p) => patchGroup(scim, group.id, [{ op: 'remove', path: `members[value eq "${p.id}"]` }])),
    ];
    expect((await Promise.all(requests)).map((r) => r.status)).toEqual(requests.map(() => 204));
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted(stay.map((p) => p.id)));
  });

  it('K concurrent POSTs of one displayName (in mixed case) give one 201 and K−1 409s', async () => {
    const { scim } = await tenantWithToken();
    const K = 12;
    const statuses = await Promise.all(
      Array.from({ length: K }, (_, i) => scim.post('/Groups', { schemas: [GROUP_URN], displayName: i % 2 ? 'RACE group' : 'Race Group' }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(K - 1);
    expect(((await (await scim.get('/Groups?count=0')).json()) as { totalResults: number }).totalResults).toBe(1);
  });

  it('a user DELETE racing a member add never leaves a dangling membership', async () => {
    const { scim, tenant } = await tenantWithToken();
    const people = await createUsers(scim, 12, 'racer');
    const group = await createGroup(scim, 'Race Target');
    const outcomes = await Promise.all(
      people.map(async (p, i) => {
        const add = () => patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: p.id }] }]).then((r) => r.status);
        const remove = () => scim.delete(`/Users/${p.id}`).then((r) => r.status);
        // Alternate which request is sent first, so both orders happen.
        const [added, deleted] = i % 2 ? await Promise.all([add(), remove()]) : (await Promise.all([remove(), add()])).reverse();
        return { added, deleted };
      }),
    );
    for (const { added, deleted } of outcomes) {
      expect(deleted).toBe(204);
      // Added before the delete (then cascaded away) or refused after it: never a member of a deleted user.
      expect([204, 400]).toContain(added);
    }
    expect(await memberIdsOf(scim, group.id)).toEqual([]);
    expect(await danglingMemberships(tenant.id)).toBe(0);
  });

  it('the database refuses a dangling membership even when the tenant object is bypassed', async () => {
    const { scim, tenant } = await tenantWithToken();
    const [gone] = await createUsers(scim, 1, 'bypassed');
    const group = await createGroup(scim, 'Backstop');
    const db = database(env.DB);
    // The planned add is built while the user exists, then the user is deleted underneath it.
    const plannedAdd = addMembers(db, tenant.id, group.id, [gone!.id], new Date().toISOString());
    await db.delete(users).where(eq(users.id, gone!.id));
    await batchCompiled(env.DB, [plannedAdd]);
    expect(await memberIdsOf(scim, group.id)).toEqual([]);
    // A raw insert of the same membership is refused by the foreign key.
    const refused = await db
      .insert(groupMembers)
      .values({ tenantId: tenant.id, groupId: group.id, userId: gone!.id, createdAt: new Date().toISOString() })
      .then(() => undefined, (err: Error) => `${err.message} ${String(err.cause)}`);
    expect(refused).toMatch(/FOREIGN KEY constraint failed/);
    expect(await danglingMemberships(tenant.id)).toBe(0);
  });
});
