/**
 * Large groups and many groups. A 50,000-member group is built through PATCH /Groups in requests
 * of 1,000 members (workerd's D1 enforces the 100-bound-parameter limit, so this also proves no
 * statement binds one parameter per member); adding or removing one member must cost about what
 * it costs in a 10-member group; reads stream the members in bounded chunks.
 */
import { env } from 'cloudflare:test';
import { sql } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { groupMembers, groups, users } from '../src/db/schema.ts';
import { MEMBER_CHUNK, membersOfGroups } from '../src/scim/groups/group-members.ts';
import { groupResponse } from '../src/scim/groups/group-render.ts';
import { membersIn } from '../src/scim/groups/group-reads.ts';
import { findGroupRow } from '../src/scim/groups/group-rows.ts';
import { createGroup, GROUP_URN, patchGroup, type ScimGroup } from './support/groups.ts';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';
import { recountPageBuckets } from './support/page-buckets.ts';

const BIG = 50_000;
const PER_REQUEST = 1_000;
const RUNS = 7;

const db = () => database(env.DB);

/** `count` users of the tenant inserted straight into D1 (POST /Users one by one would take minutes). */
async function insertUsers(tenantId: string, count: number, prefix: string): Promise<string[]> {
  const ids = Array.from({ length: count }, () => crypto.randomUUID());
  const at = new Date().toISOString();
  const chunk = 5_000;
  const statements = [];
  for (let offset = 0; offset < count; offset += chunk) {
    const slice = JSON.stringify(ids.slice(offset, offset + chunk));
    // D1 binds JavaScript numbers as REAL: the offset goes in as SQL text so names read `Member 12`, not `Member 12.0`.
    const index = sql`(${sql.raw(String(offset))} + "j"."key")`;
    const userName = sql`${prefix} || ${index} || '@acme.com'`;
    // Columns in table order: seq, id, tenant_id, user_name, external_id, display_name, active, data, version, created_at, updated_at.
    statements.push(
      db()
        .insert(users)
        .select(
          sql`SELECT NULL, "j"."value", ${tenantId}, ${userName}, NULL, 'Member ' || ${index}, 1,
              json_object('schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', ${userName}, 'displayName', 'Member ' || ${index}, 'active', json('true')),
              1, ${at}, ${at} FROM json_each(${slice}) AS "j" WHERE 1`,
        ),
    );
  }
  const [first, ...rest] = statements;
  await db().batch([first!, ...rest, recountPageBuckets(tenantId, users)]);
  return ids;
}

async function timed(run: () => Promise<Response>, status: number): Promise<number> {
  const start = performance.now();
  const res = await run();
  await res.arrayBuffer();
  const elapsed = performance.now() - start;
  expect(res.status).toBe(status);
  return elapsed;
}

/** The real D1, with every statement it prepares recorded. */
function recordingDatabase(): { db: ReturnType<typeof database>; statements: string[] } {
  const statements: string[] = [];
  const d1 = new Proxy(env.DB, {
    get(target, property) {
      if (property === 'prepare') return (query: string) => (statements.push(query), target.prepare(query));
      const value = Reflect.get(target, property) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: database(d1), statements };
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const ms = (value: number) => `${value.toFixed(1)} ms`;

describe('a 50,000-member group', () => {
  let scim: ScimClient;
  let tenantId: string;
  let ids: string[];
  let big: ScimGroup;
  let small: ScimGroup;
  let probe: string;

  beforeAll(async () => {
    const t = await tenantWithToken();
    scim = t.scim;
    tenantId = t.tenant.id;
    ids = await insertUsers(tenantId, BIG + 1, 'big.');
    probe = ids.pop()!;
    big = await createGroup(scim, 'Everyone');
    const started = performance.now();
    for (let offset = 0; offset < BIG; offset += PER_REQUEST) {
      const res = await patchGroup(scim, big.id, [{ op: 'add', path: 'members', value: ids.slice(offset, offset + PER_REQUEST).map((value) => ({ value, display: 'x' })) }]);
      expect(res.status, await res.clone().text()).toBe(204);
    }
    console.log(`built a ${BIG}-member group with ${BIG / PER_REQUEST} PATCHes of ${PER_REQUEST} members in ${ms(performance.now() - started)}`);
    small = await createGroup(scim, 'Ten', ids.slice(0, 10));
  }, 120_000);

  it('holds every member once, in group_members', async () => {
    const row = await env.DB.prepare('SELECT count(*) AS n, count(DISTINCT user_id) AS d FROM group_members WHERE group_id = ?').bind(big.id).first<{ n: number; d: number }>();
    expect(row).toEqual({ n: BIG, d: BIG });
  });

  it('adds and removes one member as fast as in a 10-member group', async () => {
    const measure = async (group: ScimGroup) => {
      const adds: number[] = [];
      const removes: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        adds.push(await timed(() => patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: probe }] }]), 204));
        removes.push(await timed(() => patchGroup(scim, group.id, [{ op: 'remove', path: `members[value eq "${probe}"]` }]), 204));
      }
      return { add: median(adds), remove: median(removes) };
    };
    // Warm both paths once, so neither side pays for first-use compilation.
    await measure(small);
    const smallTimes = await measure(small);
    const bigTimes = await measure(big);
    console.log(
      `one-member PATCH, median of ${RUNS}: add ${ms(smallTimes.add)} (10 members) vs ${ms(bigTimes.add)} (${BIG} members); ` +
        `remove ${ms(smallTimes.remove)} vs ${ms(bigTimes.remove)}`,
    );
    expect(bigTimes.add).toBeLessThanOrEqual(5 * smallTimes.add + 20);
    expect(bigTimes.remove).toBeLessThanOrEqual(5 * smallTimes.remove + 20);
    const row = await env.DB.prepare('SELECT count(*) AS n FROM group_members WHERE group_id = ?').bind(big.id).first<{ n: number }>();
    expect(row?.n).toBe(BIG);
  });

  it('GET with excludedAttributes=members reads no member: as fast as for the small group', async () => {
    const run = async (group: ScimGroup) => {
      const times: number[] = [];
      for (let i = 0; i < RUNS; i++) times.push(await timed(() => scim.get(`/Groups/${group.id}?excludedAttributes=members`), 200));
      return median(times);
    };
    await run(small);
    const [smallTime, bigTime] = [await run(small), await run(big)];
    console.log(`GET excludedAttributes=members, median of ${RUNS}: ${ms(smallTime)} (10 members) vs ${ms(bigTime)} (${BIG} members)`);
    expect(bigTime).toBeLessThanOrEqual(5 * smallTime + 20);
    const body = (await (await scim.get(`/Groups/${big.id}?excludedAttributes=members`)).json()) as ScimGroup;
    expect(body).not.toHaveProperty('members');
    expect(body.displayName).toBe('Everyone');
  });

  it('renders without a single member query when members are excluded, in chunks of MEMBER_CHUNK otherwise', async () => {
    const row = (await findGroupRow(db(), tenantId, big.id))!;
    const excluded = recordingDatabase();
    await (await groupResponse(membersIn(excluded.db, tenantId), row, scim.base, { excludedAttributes: 'members' })).text();
    expect(excluded.statements).toEqual([]);
    const full = recordingDatabase();
    await (await groupResponse(membersIn(full.db, tenantId), row, scim.base)).text();
    expect(full.statements.filter((q) => q.includes('group_members'))).toHaveLength(Math.floor(BIG / MEMBER_CHUNK) + 1);
  });

  it('renders a group just written from the members its batch read: only the members past the first chunk are queried', async () => {
    const row = (await findGroupRow(db(), tenantId, big.id))!;
    const readByTheWrite = await membersOfGroups(db(), tenantId, [big.id], MEMBER_CHUNK + 1);
    const rendered = recordingDatabase();
    const body = JSON.parse(await (await groupResponse(membersIn(rendered.db, tenantId), row, scim.base, {}, 200, readByTheWrite)).text()) as ScimGroup;
    expect(rendered.statements.filter((q) => q.includes('group_members'))).toHaveLength(Math.floor(BIG / MEMBER_CHUNK));
    expect(new Set(body.members!.map((m) => m.value)).size).toBe(BIG);
  });

  it('GET /Groups/{id} streams all 50,000 members, each once, with display and $ref', async () => {
    const start = performance.now();
    const res = await scim.get(`/Groups/${big.id}`);
    const text = await res.text();
    const elapsed = performance.now() - start;
    expect(res.status).toBe(200);
    console.log(`GET of the ${BIG}-member group: ${(text.length / 1e6).toFixed(1)} MB in ${ms(elapsed)} (members read ${MEMBER_CHUNK} at a time)`);
    const body = JSON.parse(text) as ScimGroup;
    expect(res.headers.get('etag')).toBe(body.meta.version);
    const members = body.members!;
    expect(members).toHaveLength(BIG);
    expect(new Set(members.map((m) => m.value))).toEqual(new Set(ids));
    expect(members[0]).toEqual({ value: members[0]!.value, $ref: `${scim.base}/Users/${members[0]!.value}`, display: expect.stringMatching(/^Member \d+$/), type: 'User' });
    const valuesOnly = (await (await scim.get(`/Groups/${big.id}?attributes=members.value`)).json()) as ScimGroup;
    expect(valuesOnly.members).toHaveLength(BIG);
    expect(Object.keys(valuesOnly.members![0]!)).toEqual(['value']);
  });

  it('a list holding the big group and small ones gives each group exactly its members', async () => {
    // Small groups on both sides of the big one in id order: the first query covers those before it, seeks serve the rest.
    const smalls: ScimGroup[] = [];
    while (smalls.length < 2 || !smalls.some((g) => g.id < big.id) || !smalls.some((g) => g.id > big.id)) {
      smalls.push(await createGroup(scim, `Trio ${smalls.length}`, ids.slice(100 + 3 * smalls.length, 103 + 3 * smalls.length)));
    }
    // One small group on each side is the point; the others (as many as random ids took) would not fit in one page.
    const sides = [smalls.findIndex((g) => g.id < big.id), smalls.findIndex((g) => g.id > big.id)];
    const named = sides.map((i) => `displayName eq "${smalls[i]!.displayName}"`).join(' or ');
    const res = await scim.get(`/Groups?filter=${encodeURIComponent(`${named} or displayName eq "Everyone" or displayName eq "Ten"`)}&count=200`);
    expect(res.status).toBe(200);
    const listed = ((await res.json()) as { Resources: ScimGroup[] }).Resources;
    expect(listed.map((g) => g.id).sort()).toEqual([big.id, small.id, ...sides.map((i) => smalls[i]!.id)].sort());
    for (const group of listed) {
      const expected = group.id === big.id ? BIG : group.id === small.id ? 10 : 3;
      expect(new Set(group.members!.map((m) => m.value)).size, group.displayName).toBe(expected);
      expect(group.members, group.displayName).toHaveLength(expected);
    }
    for (const i of sides) {
      const trio = listed.find((g) => g.id === smalls[i]!.id)!;
      expect(trio.members!.map((m) => m.value).sort()).toEqual(ids.slice(100 + 3 * i, 103 + 3 * i).sort());
    }
  });

  it('deleting the big group removes its memberships and keeps its users', async () => {
    expect((await scim.delete(`/Groups/${big.id}`)).status).toBe(204);
    const row = await env.DB.prepare('SELECT (SELECT count(*) FROM group_members WHERE group_id = ?) AS members, (SELECT count(*) FROM users WHERE tenant_id = ?) AS users').bind(big.id, tenantId).first<{ members: number; users: number }>();
    expect(row).toEqual({ members: 0, users: BIG + 1 });
  });
});

describe('a tenant with 1,000 groups', () => {
  it('answers GET /Groups pages well under Okta\'s 600 ms', async () => {
    const { scim, tenant } = await tenantWithToken();
    const memberIds = await insertUsers(tenant.id, 20, 'grouped.');
    const at = new Date().toISOString();
    const rows = Array.from({ length: 1000 }, (_, i) => ({
      id: crypto.randomUUID(),
      tenantId: tenant.id,
      displayName: `Team ${String(i).padStart(4, '0')}`,
      externalId: `okta-${i}`,
      data: { schemas: [GROUP_URN], displayName: `Team ${String(i).padStart(4, '0')}`, externalId: `okta-${i}` },
      version: 1,
      createdAt: at,
      updatedAt: at,
    }));
    const d = db();
    const inserts = [];
    for (let i = 0; i < rows.length; i += 10) inserts.push(d.insert(groups).values(rows.slice(i, i + 10)));
    for (const [i, group] of rows.entries()) {
      const members = memberIds.slice(i % 15, (i % 15) + 5);
      inserts.push(d.insert(groupMembers).values(members.map((userId) => ({ tenantId: tenant.id, groupId: group.id, userId, createdAt: at }))));
    }
    const [first, ...rest] = inserts;
    await d.batch([first!, ...rest, recountPageBuckets(tenant.id, groups)]);

    const queries = ['startIndex=1&count=100', 'startIndex=801&count=200', `filter=${encodeURIComponent('displayName eq "team 0500"')}`, 'count=200&excludedAttributes=members'];
    for (const query of queries) {
      await timed(() => scim.get(`/Groups?${query}`), 200);
      const times: number[] = [];
      for (let i = 0; i < 5; i++) times.push(await timed(() => scim.get(`/Groups?${query}`), 200));
      console.log(`GET /Groups?${decodeURIComponent(query)} with 1,000 groups: median ${ms(median(times))}`);
      expect(median(times)).toBeLessThan(600);
    }
    const page = (await (await scim.get('/Groups?startIndex=1&count=100')).json()) as { totalResults: number; Resources: ScimGroup[] };
    expect(page.totalResults).toBe(1000);
    expect(page.Resources).toHaveLength(100);
    expect(page.Resources.every((g) => g.members?.length === 5)).toBe(true);
  });
});
