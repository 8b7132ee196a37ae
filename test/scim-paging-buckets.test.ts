/**
 * Cold pages of the default order (no remembered page end, as on a fresh isolate) are found
 * through `page_buckets` and return exactly what a sequential walk returns; the bucket counts stay
 * exact through concurrent creates and deletes; the query never scans the tenant's rows.
 */
import { env } from 'cloudflare:test';
import { and, asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { groups, users } from '../src/db/schema.ts';
import { listPage } from '../src/scim/storage/list.ts';
import { listQuerySchema } from '../src/scim/storage/list-query.ts';
import { positionedPage } from '../src/scim/storage/page-buckets.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { deleteTenant } from '../src/tenants/tenant-deletion.ts';
import { GROUP_URN } from './support/groups.ts';
import { tenantRow, tenantWithToken, type ScimClient, announce } from './support/tenants.ts';

const db = () => database(env.DB);
const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Moves the next seq of `table` a bucket and a half on, as other tenants' inserts would: a row of another tenant that far past the highest. */
async function skipSeqs(table: 'users' | 'groups'): Promise<void> {
  const { tenant } = await tenantWithToken();
  const name = table === 'users' ? 'user_name' : 'display_name';
  await env.DB.prepare(`INSERT INTO ${table} (seq, id, tenant_id, ${name}, data, created_at, updated_at) SELECT max(seq) + 1500, ?1, ?2, 'elsewhere', '{}', ?3, ?3 FROM ${table}`)
    .bind(crypto.randomUUID(), tenant.id, new Date().toISOString())
    .run();
}

/** `n` users created concurrently through the API (the tenant object group-commits them). */
async function createUsers(scim: ScimClient, prefix: string, n: number): Promise<string[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => createUser(scim, `${prefix}${i}@acme.com`)));
}

async function createUser(scim: ScimClient, userName: string): Promise<string> {
  const res = await scim.post('/Users', { schemas: [CORE_USER], userName });
  expect(res.status, await res.clone().text()).toBe(201);
  return ((await res.json()) as { id: string }).id;
}

async function deleteUser(scim: ScimClient, id: string): Promise<void> {
  expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
}

/** The tenant's ids in seq order, straight from the table. */
async function idsInOrder(table: typeof users | typeof groups, tenantId: string): Promise<string[]> {
  return (await db().select({ id: table.id }).from(table).where(eq(table.tenantId, tenantId)).orderBy(asc(table.seq))).map((r) => r.id);
}

/** One page at `startIndex`, asked for with no page before it. */
async function coldPage(table: typeof users | typeof groups, tenantId: string, startIndex: number, count: number) {
  const resourceType = table === users ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE;
  const page = await listPage(db(), tenantId, resourceType, table, listQuerySchema.parse({ startIndex, count }));
  return { totalResults: page.totalResults, ids: page.rows.map((r) => r.id) };
}

/** Every cold page of `count` (each start position, and one past the end) equals the slice of the true order. */
async function expectEveryColdPageExact(table: typeof users | typeof groups, tenantId: string, count: number): Promise<void> {
  const expected = await idsInOrder(table, tenantId);
  for (let startIndex = 1; startIndex <= expected.length + 1; startIndex++) {
    const page = await coldPage(table, tenantId, startIndex, count);
    expect(page, `startIndex=${startIndex}`).toEqual({ totalResults: expected.length, ids: expected.slice(startIndex - 1, startIndex - 1 + count) });
  }
}

/** Bucket rows of the tenant, and what they should be: a count per `seq >> 10` of the table. */
async function bucketsAndTruth(table: 'users' | 'groups', tenantId: string) {
  const resourceType = table === 'users' ? 'User' : 'Group';
  const { results: buckets } = await env.DB.prepare('SELECT bucket, count FROM page_buckets WHERE tenant_id = ? AND resource_type = ? AND count > 0 ORDER BY bucket').bind(tenantId, resourceType).all();
  const { results: truth } = await env.DB.prepare(`SELECT seq >> 10 AS bucket, COUNT(*) AS count FROM ${table} WHERE tenant_id = ? GROUP BY 1 ORDER BY 1`).bind(tenantId).all();
  return { buckets, truth };
}

describe('cold pages of the default order through page_buckets', () => {
  it('a cold page at any startIndex returns exactly the ids of the sequential walk, across several buckets', async () => {
    const { tenant, scim } = await tenantWithToken();
    for (const round of [0, 1, 2]) {
      await createUsers(scim, `walk${round}.`, 25);
      await skipSeqs('users');
    }
    const { truth } = await bucketsAndTruth('users', tenant.id);
    expect(truth.length).toBeGreaterThanOrEqual(3);

    // The sequential walk and the cold pages agree with the table's order.
    const expected = await idsInOrder(users, tenant.id);
    const walked: string[] = [];
    for (let startIndex = 1; startIndex <= expected.length; startIndex += 10) {
      const page = await listPage(db(), tenant.id, USER_RESOURCE_TYPE, users, listQuerySchema.parse({ startIndex, count: 10 }));
      walked.push(...page.rows.map((r) => r.id));
    }
    expect(walked).toEqual(expected);
    await expectEveryColdPageExact(users, tenant.id, 7);
    await expectEveryColdPageExact(users, tenant.id, 30);
  });

  it('groups page the same way', async () => {
    const { tenant, scim } = await tenantWithToken();
    for (const round of [0, 1]) {
      const created = await Promise.all(Array.from({ length: 6 }, (_, i) => scim.post('/Groups', { schemas: [GROUP_URN], displayName: `Team ${round}.${i}` })));
      expect(created.map((r) => r.status)).toEqual(Array(6).fill(201));
      await skipSeqs('groups');
    }
    const first = ((await (await scim.get('/Groups?count=1')).json()) as { Resources: { id: string }[] }).Resources[0]!;
    expect((await scim.delete(`/Groups/${first.id}`)).status).toBe(204);
    const { buckets, truth } = await bucketsAndTruth('groups', tenant.id);
    expect(buckets).toEqual(truth);
    expect(truth.length).toBe(2);
    await expectEveryColdPageExact(groups, tenant.id, 4);
  });

  it('stays exact when users in the middle are deleted, a whole bucket included', async () => {
    const { tenant, scim } = await tenantWithToken();
    const before = await createUsers(scim, 'early.', 20);
    await skipSeqs('users');
    const middle = await createUsers(scim, 'middle.', 15);
    await skipSeqs('users');
    const after = await createUsers(scim, 'late.', 20);

    await Promise.all([...middle, before[3]!, before[17]!, after[0]!].map((id) => deleteUser(scim, id)));
    const remaining = await idsInOrder(users, tenant.id);
    expect(remaining).toHaveLength(55 - 18);
    expect(remaining).not.toContain(middle[0]);
    await expectEveryColdPageExact(users, tenant.id, 5);
    // The SCIM response carries the same totals as the list function.
    const body = (await (await scim.get(`/Users?startIndex=20&count=5`)).json()) as { totalResults: number; Resources: { id: string }[] };
    expect(body.totalResults).toBe(remaining.length);
    expect(body.Resources.map((r) => r.id)).toEqual(remaining.slice(19, 24));
  });

  it('keeps the bucket table equal to a count per seq >> 10 through concurrent creates and deletes', async () => {
    const { tenant, scim } = await tenantWithToken();
    const first = await createUsers(scim, 'mix.', 30);
    await skipSeqs('users');
    // Creates and deletes interleaved in one burst, plus a create refused for a taken userName.
    const burst = await Promise.all([
      ...first.filter((_, i) => i % 3 === 0).map((id) => deleteUser(scim, id).then(() => 'deleted')),
      ...Array.from({ length: 20 }, (_, i) => createUser(scim, `burst.${i}@acme.com`)),
      scim.post('/Users', { schemas: [CORE_USER], userName: 'mix.1@acme.com' }).then((r) => r.status),
    ]);
    expect(burst.at(-1)).toBe(409);
    const { buckets, truth } = await bucketsAndTruth('users', tenant.id);
    expect(truth.length).toBe(2);
    expect(buckets).toEqual(truth);
    expect(buckets.reduce((sum, b) => sum + Number(b.count), 0)).toBe(30 - 10 + 20);
  });

  it('goes with its tenant (foreign key cascade)', async () => {
    const { tenant, slug, scim } = await tenantWithToken();
    await createUsers(scim, 'gone.', 3);
    await deleteTenant(db(), announce, await tenantRow(slug));
    const left = await env.DB.prepare('SELECT COUNT(*) AS n FROM page_buckets WHERE tenant_id = ?').bind(tenant.id).first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it('finds a cold page without scanning the tenant: the plan searches users from a seq, never scans', async () => {
    const { tenant } = await tenantWithToken();
    const query = db()
      .select({ id: users.id })
      .from(users)
      .where(and(eq(users.tenantId, tenant.id), positionedPage(users, tenant.id, 'User', 90_001, 100)))
      .orderBy(asc(users.seq))
      .limit(100)
      .toSQL();
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query.sql}`)
      .bind(...query.params)
      .all<{ detail: string }>();
    const plan = results.map((r) => r.detail);
    expect(plan.filter((d) => /^SCAN (users|page_buckets)\b/.test(d)), plan.join('\n')).toEqual([]);
    // The inner page starts at its bucket's first seq: a range on the (tenant_id, seq) index, not tenant_id alone.
    expect(plan.some((d) => /^SEARCH users USING .*\(tenant_id=\? AND (seq|rowid)>\?\)/.test(d)), plan.join('\n')).toBe(true);
    expect(plan.some((d) => /^SEARCH page_buckets USING .*\(tenant_id=\? AND resource_type=\?\)/.test(d)), plan.join('\n')).toBe(true);
  });
});
