/**
 * A list whose filter only one resource can match (src/scim/filter/single-match.ts) answers its
 * first page without a count query: `totalResults` is the page's rows. Everything else keeps the count.
 */
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { groups } from '../src/db/schema.ts';
import { parseFilter } from '../src/scim/filter/parser.ts';
import { matchesAtMostOne } from '../src/scim/filter/single-match.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { listPage } from '../src/scim/storage/list.ts';
import { listQuerySchema } from '../src/scim/storage/list-query.ts';
import { userPage } from '../src/scim/users/user-reads.ts';
import { countingD1 } from './support/counting-d1.ts';
import { createGroup, createUsers } from './support/groups.ts';
import { tenantWithToken } from './support/tenants.ts';

describe('filters at most one resource matches', () => {
  it.each([
    ['userName eq "ada@example.com"', true],
    ['USERNAME eq "Ada@Example.com"', true],
    ['urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ada@example.com"', true],
    ['id eq "2819c223"', true],
    ['userName eq "a" and active eq true', true],
    ['active eq true and (userName eq "a" or userName eq "b") and id eq "x"', true],
    ['userName eq "a" or userName eq "b"', false],
    ['userName ne "a"', false],
    ['userName sw "a"', false],
    ['not (userName eq "a")', false],
    ['externalId eq "00u1"', false],
    ['displayName eq "Ada"', false],
    ['emails.value eq "ada@example.com"', false],
    ['emails[value eq "ada@example.com"]', false],
    ['name.givenName eq "Ada"', false],
  ])('User %s → %s', (filter, expected) => {
    expect(matchesAtMostOne(USER_RESOURCE_TYPE, parseFilter(filter))).toBe(expected);
  });

  it.each([
    ['displayName eq "Engineering"', true],
    ['id eq "g1"', true],
    ['externalId eq "00g1"', false],
    ['members.value eq "u1"', false],
  ])('Group %s → %s', (filter, expected) => {
    expect(matchesAtMostOne(GROUP_RESOURCE_TYPE, parseFilter(filter))).toBe(expected);
  });
});

describe('the page is the count', () => {
  const list = async (d1: D1Database, tenantId: string, query: Record<string, unknown>) => userPage(database(d1), tenantId, listQuerySchema.parse(query));

  it("answers Okta's lookup with the page and its groups only, and counts wherever the page may not hold every match", async () => {
    const { tenant, scim } = await tenantWithToken();
    const [ada] = await createUsers(scim, 2, 'single');
    await createGroup(scim, 'Admins', [ada!.id]);
    const { d1, calls } = countingD1();
    const byName = (userName: string) => `userName eq "${userName}"`;

    const found = await list(d1, tenant.id, { filter: byName(ada!.userName.toUpperCase()) });
    expect(found.totalResults).toBe(1);
    expect(found.rows.map((r) => r.id)).toEqual([ada!.id]);
    expect(found.groups[ada!.id]?.map((g) => g.display)).toEqual(['Admins']);
    expect((await list(d1, tenant.id, { filter: byName('nobody@example.com') })).totalResults).toBe(0);
    // The page alone, then its user's groups by id; no count statement. A page of none asks no groups.
    expect(calls).toEqual([1, 1, 1]);

    // Past the first page, or a page of none, the count alone says how many match.
    calls.length = 0;
    expect(await list(d1, tenant.id, { filter: byName(ada!.userName), startIndex: 2 })).toMatchObject({ totalResults: 1, rows: [] });
    expect(await list(d1, tenant.id, { filter: byName(ada!.userName), count: 0 })).toMatchObject({ totalResults: 1, rows: [] });
    expect((await list(d1, tenant.id, { filter: `${byName(ada!.userName)} or userName sw "single"` })).totalResults).toBe(2);
    expect(calls).toEqual([2, 2, 2, 1]);
  });

  it('serves a group looked up by displayName the same way', async () => {
    const { tenant, scim } = await tenantWithToken();
    const group = await createGroup(scim, 'Engineering');
    const page = await listPage(database(countingD1().d1), tenant.id, GROUP_RESOURCE_TYPE, groups, listQuerySchema.parse({ filter: 'displayName eq "engineering"' }));
    expect(page).toMatchObject({ totalResults: 1, rows: [{ id: group.id }] });
  });
});
