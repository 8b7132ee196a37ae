/**
 * Paging while the directory changes (RFC 7644 §3.4.2.4): pages are positions in the tenant's
 * current order, never a memory of where some earlier walk's page ended. Two Okta imports walking
 * at once while users are deleted: the walk that starts after the deletes sees every remaining user
 * exactly once, and no walk sees anyone twice. Filtered pages likewise follow who matches now.
 */
import { asc, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { users } from '../src/db/schema.ts';
import { listPage } from '../src/scim/storage/list.ts';
import { listQuerySchema } from '../src/scim/storage/list-query.ts';
import { USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { oktaNewUser } from './support/okta-bodies.ts';
import { db, tenantWithToken, type ScimClient } from './support/tenants.ts';

interface ListResponse {
  totalResults: number;
  Resources: { id: string; userName: string }[];
}

async function page(scim: ScimClient, startIndex: number, count: number, filter?: string): Promise<ListResponse> {
  const query = `startIndex=${startIndex}&count=${count}${filter ? `&filter=${encodeURIComponent(filter)}` : ''}`;
  const response = await scim.get(`/Users?${query}`);
  expect(response.status).toBe(200);
  return (await response.json()) as ListResponse;
}

async function createUsers(scim: ScimClient, names: string[]): Promise<string[]> {
  const ids: string[] = [];
  for (const name of names) {
    const created = await scim.post('/Users', oktaNewUser(name, { title: name.startsWith('eng') ? 'Engineer' : 'Sales' }));
    expect(created.status).toBe(201);
    ids.push(((await created.json()) as { id: string }).id);
  }
  return ids;
}

/** A walker: pages one after another as Okta's import does. */
function walker(scim: ScimClient, count: number, filter?: string) {
  let startIndex = 1;
  const seen: string[] = [];
  return {
    seen,
    async next(): Promise<boolean> {
      const result = await page(scim, startIndex, count, filter);
      seen.push(...result.Resources.map((r) => r.id));
      startIndex += count;
      return startIndex <= result.totalResults;
    },
  };
}

describe('pages while users are deleted', () => {
  it('a page this isolate served to an earlier walk does not decide where a later walk\'s page starts', async () => {
    const { scim, tenant } = await tenantWithToken();
    const ids = await createUsers(scim, Array.from({ length: 20 }, (_, i) => `iso${String(i).padStart(2, '0')}@acme.test`));
    const pageIds = async (startIndex: number) =>
      (await listPage(db(), tenant.id, USER_RESOURCE_TYPE, users, listQuerySchema.parse({ startIndex, count: 5 }))).rows.map((r) => r.id);
    // An import walks every page here (this isolate would remember where each ended)…
    for (let startIndex = 1; startIndex <= 20; startIndex += 5) await pageIds(startIndex);
    for (const id of ids.slice(0, 3)) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    // …then the next import's first page is served by another isolate (here: read from the table),
    // and its later pages by this one: they must continue exactly where that first page ended.
    const remaining = (await db().select({ id: users.id }).from(users).where(eq(users.tenantId, tenant.id)).orderBy(asc(users.seq))).map((r) => r.id);
    const seen = remaining.slice(0, 5);
    for (let startIndex = 6; startIndex <= remaining.length; startIndex += 5) seen.push(...(await pageIds(startIndex)));
    expect(seen).toEqual(ids.slice(3));
  });

  it('a walk started after the deletes sees every remaining user exactly once; no walk repeats anyone', async () => {
    const { scim } = await tenantWithToken();
    const ids = await createUsers(scim, Array.from({ length: 30 }, (_, i) => `user${String(i).padStart(2, '0')}@acme.test`));
    const early = walker(scim, 5);
    for (let i = 0; i < 3; i++) await early.next();
    // Three users the early walk has already seen leave the directory.
    for (const id of ids.slice(0, 3)) expect((await scim.delete(`/Users/${id}`)).status).toBe(204);
    const late = walker(scim, 5);
    await late.next();
    await late.next();
    await early.next();
    while (await late.next());
    while (await early.next());
    expect(late.seen).toEqual(ids.slice(3));
    expect(new Set(early.seen).size).toBe(early.seen.length);
  });

  it('a filtered walk follows who matches now when users leave and enter the filter', async () => {
    const { scim } = await tenantWithToken();
    const names = Array.from({ length: 12 }, (_, i) => `eng${String(i).padStart(2, '0')}@acme.test`);
    const ids = await createUsers(scim, names);
    const filter = 'title eq "Engineer"';
    const warm = walker(scim, 4, filter);
    while (await warm.next());
    expect(warm.seen).toEqual(ids);
    // Two engineers change jobs: they leave the filter; the remaining ten are listed once each.
    for (const id of ids.slice(0, 2)) {
      const moved = await scim.patch(`/Users/${id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'title', value: 'Sales' }] });
      expect(moved.status).toBe(200);
    }
    const after = walker(scim, 4, filter);
    while (await after.next());
    expect(after.seen).toEqual(ids.slice(2));
  });
});
