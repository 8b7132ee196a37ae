/**
 * A serving copy rebuilt a page at a time (src/tenant-object/serving-copy.ts, docs/serving-copy.md):
 * writes, restarts and commits the copy never applied fall between its pages, and once whole it
 * equals D1. While it is not whole, the tenant object answers reads from D1, and its alarm copies
 * the rest.
 */
import { env, runDurableObjectAlarm, runInDurableObject } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { database } from '../src/db/client.ts';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import { toOutcome } from '../src/scim/port/write-outcome.ts';
import type { WriteContext } from '../src/scim/storage/write-context.ts';
import { createGroup, deleteGroup, patchGroup } from '../src/scim/groups/group-writes.ts';
import { createUser, deleteUser, patchUser } from '../src/scim/users/user-writes.ts';
import { GroupCommitD1, type BatchTail } from '../src/tenant-object/group-commit.ts';
import { RowCache } from '../src/tenant-object/row-cache.ts';
import { REBUILD, ServingCopy } from '../src/tenant-object/serving-copy.ts';
import { PATCH_OP } from './support/groups.ts';
import { oktaAddMembers, oktaNewGroup, oktaNewUser, oktaSetActive } from './support/okta-bodies.ts';
import { seedDirectory } from './support/seed-directory.ts';
import { copyDirectory, d1Directory, tenantObject } from './support/serving-copy.ts';
import { seededRandom } from './support/seeded-random.ts';
import { tenantWithToken } from './support/tenants.ts';

type Tenant = Awaited<ReturnType<typeof tenantWithToken>>;

const patch = (operations: unknown[]) => patchRequestSchema.parse({ schemas: [PATCH_OP], Operations: operations });

/** SCIM writes the way the tenant object runs them, over `d1` (which applies their tails to a copy, or not). */
function writer(t: Tenant, d1: GroupCommitD1) {
  const ctx: WriteContext = { db: database(d1), tenantId: t.tenant.id, tenantRoles: t.tenant.roles, actor: 'token:test', baseUrl: `https://edge.test/scim/v2/${t.slug}`, users: new RowCache(), groups: new RowCache() };
  return {
    createUser: (userName: string) => toOutcome(() => createUser(ctx, oktaNewUser(userName))),
    renameUser: (id: string, userName: string) => toOutcome(() => patchUser(ctx, id, patch([{ op: 'replace', value: { userName } }]), undefined)),
    deactivate: (id: string) => toOutcome(() => patchUser(ctx, id, patchRequestSchema.parse(oktaSetActive(false)), undefined)),
    deleteUser: (id: string) => toOutcome(() => deleteUser(ctx, id, undefined)),
    createGroup: (displayName: string) => toOutcome(() => createGroup(ctx, oktaNewGroup(displayName))),
    addMember: (groupId: string, userId: string) => toOutcome(() => patchGroup(ctx, groupId, patchRequestSchema.parse(oktaAddMembers([{ value: userId, display: userId }])), undefined)),
    removeMember: (groupId: string, userId: string) => toOutcome(() => patchGroup(ctx, groupId, patch([{ op: 'remove', path: `members[value eq "${userId}"]` }]), undefined)),
    renameGroup: (id: string, displayName: string) => toOutcome(() => patchGroup(ctx, id, patch([{ op: 'replace', value: { displayName } }]), undefined)),
    deleteGroup: (id: string) => toOutcome(() => deleteGroup(ctx, id, undefined)),
  };
}

describe('a rebuild in pages', () => {
  /**
   * One schedule: a tenant with users, groups and memberships and no copy; a rebuild in pages of
   * two rows; between pages, writes of every kind (to rows copied and rows not copied yet),
   * restarts of the copy, and commits whose apply never happened (the object died in between).
   */
  async function schedule(seed: number): Promise<{ t: Tenant; pages: number; writes: number; restarts: number }> {
    const t = await tenantWithToken();
    const next = seededRandom(seed);
    const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
    const users: string[] = [];
    const groups: string[] = [];
    let names = 0;
    let pages = 0;
    // Counted only while the rebuild is under way: what the schedule is for.
    let writes = 0;
    let restarts = 0;
    await runInDurableObject(tenantObject(t.tenant.id), async (_object, state) => {
      let copy = new ServingCopy(state.storage, env.DB, t.tenant.id, { pageRows: 2 });
      const tail: BatchTail = { tail: () => copy.tail(), applyTail: (results, returned) => copy.applyTail(results, returned), invalidate: () => copy.invalidate() };
      const applied = writer(t, new GroupCommitD1(env.DB, () => undefined, tail));
      const unapplied = writer(t, new GroupCommitD1(env.DB, () => undefined));

      async function randomWrite(w: typeof applied): Promise<void> {
        const kind = next();
        const user = users.length > 0 ? pick(users) : undefined;
        const group = groups.length > 0 ? pick(groups) : undefined;
        if (kind < 0.2 || !user) {
          // Now and then a name a deleted or renamed user held: the copy must let go of it first.
          const outcome = await w.createUser(`user${next() < 0.2 ? Math.floor(next() * names) : names++}@acme.test`);
          if (outcome.ok) users.push(outcome.value.id);
        } else if (kind < 0.3) await w.renameUser(user, `user${next() < 0.3 ? Math.floor(next() * names) : names++}@acme.test`);
        else if (kind < 0.4) await w.deactivate(user);
        else if (kind < 0.5) {
          if ((await w.deleteUser(user)).ok) users.splice(users.indexOf(user), 1);
        } else if (kind < 0.6 || !group) {
          const outcome = await w.createGroup(`Group ${names++}`);
          if (outcome.ok) groups.push(outcome.value.id);
        } else if (kind < 0.75) await w.addMember(group, user);
        else if (kind < 0.85) await w.removeMember(group, user);
        else if (kind < 0.93) await w.renameGroup(group, `Group ${names++}`);
        else if ((await w.deleteGroup(group)).ok) groups.splice(groups.indexOf(group), 1);
        if (copy.rebuilding) writes++;
      }

      // The directory D1 holds before any copy exists.
      for (let i = 0; i < 40; i++) await randomWrite(unapplied);
      await copy.bringUpToDate();
      expect(copy.rebuilding).toBe(true);
      writes = 0;
      for (let step = 0; step < 60 || copy.rebuilding; step++) {
        const move = next();
        if (step >= 60 || move < 0.15) {
          if (!copy.rebuilding) continue;
          await copy.copyPage();
          pages++;
        } else if (move < 0.8) {
          await randomWrite(applied);
          // A tail that did not apply would stop the copy following D1 (and start the rebuild over).
          expect(copy.following, `seed ${seed} step ${step}: a write's tail did not apply to the copy being rebuilt`).toBe(true);
        } else {
          // The object dies, perhaps right after D1 committed writes it never applied; a new instance goes on.
          if (move < 0.9) for (let k = 1 + Math.floor(next() * 3); k > 0; k--) await randomWrite(unapplied);
          const wasRebuilding = copy.rebuilding;
          if (wasRebuilding) restarts++;
          copy = new ServingCopy(state.storage, env.DB, t.tenant.id, { pageRows: 2 });
          await copy.bringUpToDate();
          expect(copy.rebuilding, `seed ${seed} step ${step}: a restart goes on with the rebuild, it does not start over or drop it`).toBe(wasRebuilding);
        }
      }
      expect(copy.current).toBe(true);
    });
    return { t, pages, writes, restarts };
  }

  it('ends equal to D1 whatever falls between its pages: writes of every kind, restarts, unapplied commits (30 seeded schedules)', { timeout: 120_000 }, async () => {
    const total = { pages: 0, writes: 0, restarts: 0 };
    for (let seed = 1; seed <= 30; seed++) {
      const run = await schedule(20261202 + seed);
      total.pages += run.pages;
      total.writes += run.writes;
      total.restarts += run.restarts;
      expect(await copyDirectory(run.t.tenant.id), `seed ${seed}`).toEqual(await d1Directory(run.t.tenant.id));
    }
    // The schedules did what they are for: many pages, with many writes and restarts between them.
    expect(total.pages).toBeGreaterThan(300);
    expect(total.writes).toBeGreaterThan(1200);
    expect(total.restarts).toBeGreaterThan(250);
  });
});

describe("a rebuild's pages", () => {
  it('each reads only its own rows: every query is an index search in its own order, no scan, no sort', async () => {
    const t = await tenantWithToken();
    for (const [name, query] of Object.entries(REBUILD)) {
      const after = name === 'members' ? [0, ''] : [0, null];
      const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`).bind(t.tenant.id, ...after, 5000).all<{ detail: string }>();
      const plan = results.map((r) => r.detail);
      expect(plan.filter((d) => /^SCAN|TEMP B-TREE/.test(d)), `${name}:\n${plan.join('\n')}`).toEqual([]);
    }
  });

  it('of memberships go on from a stored rebuild whose cursor is a group id (stored before they went by group seq): that stage starts over', async () => {
    const t = await tenantWithToken();
    await seedDirectory(env.DB, t.tenant.id, 250);
    await runInDurableObject(tenantObject(t.tenant.id), async (_object, state) => {
      let copy = new ServingCopy(state.storage, env.DB, t.tenant.id, { pageRows: 40 });
      await copy.bringUpToDate();
      const stage = () => (JSON.parse(state.storage.sql.exec<{ value: string }>(`SELECT "value" FROM "copy_meta" WHERE "key" = 'build'`).one().value) as { stage: string; after: unknown[] });
      while (stage().stage !== 'members') await copy.copyPage();
      await copy.copyPage();
      // One page into the memberships, as an earlier version stored it: the last (group id, user id) copied.
      const copied = state.storage.sql.exec<{ group_id: string; user_id: string }>(`SELECT "group_id", "user_id" FROM "group_members" ORDER BY "group_id" DESC, "user_id" DESC LIMIT 1`).one();
      state.storage.sql.exec(`UPDATE "copy_meta" SET "value" = ? WHERE "key" = 'build'`, JSON.stringify({ ...stage(), after: [copied.group_id, copied.user_id] }));
      copy = new ServingCopy(state.storage, env.DB, t.tenant.id, { pageRows: 40 });
      await copy.bringUpToDate();
      expect(copy.rebuilding).toBe(true);
      while (copy.rebuilding) await copy.copyPage();
      expect(copy.current).toBe(true);
    });
    expect(await copyDirectory(t.tenant.id)).toEqual(await d1Directory(t.tenant.id));
  });
});

describe('a tenant object whose copy is not whole yet', () => {
  it('answers reads from D1, applies writes to the part copied, and its alarm copies the rest', { timeout: 60_000 }, async () => {
    const t = await tenantWithToken();
    // One page more than the object copies before it answers the read that found no copy.
    await seedDirectory(env.DB, t.tenant.id, 5_010);
    const userId = (n: number) => `u-${t.tenant.id}-${n}`;
    const stub = tenantObject(t.tenant.id);
    // The alarm the object sets for the rest is put a century ahead, so it fires only when the test runs it.
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 100 * 365 * 24 * 3600 * 1000);
      const found = await (await t.scim.get(`/Users?filter=${encodeURIComponent('userName eq "user5010@example.com"')}`)).json<{ totalResults: number }>();
      expect(found.totalResults).toBe(1);
      expect((await copyDirectory(t.tenant.id)).users).toHaveLength(5_000);
      // Writes meanwhile: to a user not copied yet, and to one copied.
      for (const n of [5_009, 1]) {
        const res = await t.scim.patch(`/Users/${userId(n)}`, oktaSetActive(false));
        expect(res.status, await res.clone().text()).toBe(200);
      }
      expect(await (await t.scim.get(`/Users/${userId(5_009)}`)).json()).toMatchObject({ active: false });
      const listed = await (await t.scim.get('/Users?count=1')).json<{ totalResults: number }>();
      expect(listed.totalResults).toBe(5_010);

      // A page an invocation: the rest of the users, then the memberships (5,010, two pages); each sets the alarm again while pages are left.
      const alarmAt = () => runInDurableObject(stub, (_object, state) => state.storage.getAlarm());
      let invocations = 0;
      while ((await alarmAt()) !== null) {
        expect(await runDurableObjectAlarm(stub)).toBe(true);
        invocations++;
        expect(invocations, 'the alarm ends the rebuild').toBeLessThanOrEqual(3);
      }
      // Whole once no alarm is left for it.
      expect(invocations).toBe(3);
      expect(await copyDirectory(t.tenant.id)).toEqual(await d1Directory(t.tenant.id));
      const inactive = await (await t.scim.get(`/Users?filter=${encodeURIComponent('active eq false')}`)).json<{ totalResults: number }>();
      expect(inactive.totalResults).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});
