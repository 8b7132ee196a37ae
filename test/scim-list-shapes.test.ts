/**
 * A list's SQL is compiled once per shape (filter structure, order, paging mode) and reused with
 * other values: the same shape with other values, in another tenant, or on another page must
 * answer for those values, never for the ones it was compiled with.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { oktaNewUser, tenantWithToken, type ScimClient } from './support/tenants.ts';

type ListResponse = { totalResults: number; Resources: { id: string; userName: string; groups?: { display: string }[] }[] };

async function list(scim: ScimClient, query: string): Promise<ListResponse> {
  const res = await scim.get(`/Users?${query}`);
  expect(res.status).toBe(200);
  return (await res.json()) as ListResponse;
}

const filter = (text: string) => `filter=${encodeURIComponent(text)}`;

describe('list statements reused across requests of one shape', () => {
  let a: ScimClient;
  let b: ScimClient;
  const names = ['ann', 'bob', 'cat', 'dan'].map((n) => `${n}-${crypto.randomUUID().slice(0, 8)}@shapes.example`);

  beforeAll(async () => {
    ({ scim: a } = await tenantWithToken());
    ({ scim: b } = await tenantWithToken());
    for (const userName of names) expect((await a.post('/Users', oktaNewUser(userName))).status).toBe(201);
    expect((await b.post('/Users', oktaNewUser(names[0]!))).status).toBe(201);
    const group = (await (await a.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Shapes' })).json()) as { id: string };
    const bob = (await list(a, filter(`userName eq "${names[1]}"`))).Resources[0]!;
    expect(
      (
        await a.patch(`/Groups/${group.id}`, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'add', path: 'members', value: [{ value: bob.id }] }],
        })
      ).status,
    ).toBe(204);
  });

  it('a userName eq lookup answers each value asked, with that user’s own groups', async () => {
    for (const [i, userName] of names.entries()) {
      const body = await list(a, filter(`userName eq "${userName.toUpperCase()}"`));
      expect(body.totalResults).toBe(1);
      expect(body.Resources[0]!.userName).toBe(userName);
      expect(body.Resources[0]!.groups?.map((g) => g.display) ?? []).toEqual(i === 1 ? ['Shapes'] : []);
    }
    expect((await list(a, filter('userName eq "nobody@shapes.example"'))).totalResults).toBe(0);
  });

  it('the same shape in another tenant sees only that tenant’s users', async () => {
    expect((await list(b, filter(`userName eq "${names[0]}"`))).totalResults).toBe(1);
    expect((await list(b, filter(`userName eq "${names[1]}"`))).totalResults).toBe(0);
    expect((await list(a, filter(`userName eq "${names[0]}"`))).totalResults).toBe(1);
  });

  it('an or of two values, and the same with other values, count and return exactly those', async () => {
    const pair = async (x: string, y: string) => (await list(a, filter(`userName eq "${x}" or userName eq "${y}"`))).Resources.map((r) => r.userName).sort();
    expect(await pair(names[0]!, names[2]!)).toEqual([names[0], names[2]].sort());
    expect(await pair(names[1]!, names[3]!)).toEqual([names[1], names[3]].sort());
  });

  it('offset pages of one filter with other startIndex and count values', async () => {
    const all = filter('userName ew "@shapes.example"');
    const first = await list(a, `${all}&sortBy=userName&startIndex=1&count=2`);
    const second = await list(a, `${all}&sortBy=userName&startIndex=3&count=1`);
    const third = await list(a, `${all}&sortBy=userName&startIndex=2&count=3`);
    expect(first.totalResults).toBe(4);
    expect(first.Resources.map((r) => r.userName)).toEqual([...names].sort().slice(0, 2));
    expect(second.Resources.map((r) => r.userName)).toEqual([...names].sort().slice(2, 3));
    expect(third.Resources.map((r) => r.userName)).toEqual([...names].sort().slice(1, 4));
  });
});
