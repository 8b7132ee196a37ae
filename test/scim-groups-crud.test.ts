/** /Groups end to end (RFC 7644 §3): create, read, list, replace, delete, with members honoured in bodies. */
import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createUsers, ENTRA_GROUP_URN, getGroup, GROUP_URN, memberIdsOf, sorted, type ScimGroup } from './support/groups.ts';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

interface ListBody {
  totalResults: number;
  startIndex: number;
  itemsPerPage: number;
  Resources: ScimGroup[];
}

const list = async (scim: ScimClient, query: string): Promise<ListBody> => {
  const res = await scim.get(`/Groups?${query}`);
  expect(res.status, await res.clone().text()).toBe(200);
  return (await res.json()) as ListBody;
};

const filterQuery = (filter: string) => `filter=${encodeURIComponent(filter)}`;

describe('Groups endpoint', () => {
  let scim: ScimClient;
  let tenantId: string;
  let people: { id: string; userName: string; displayName: string }[];

  beforeAll(async () => {
    const t = await tenantWithToken();
    scim = t.scim;
    tenantId = t.tenant.id;
    people = await createUsers(scim, 6, 'crud');
  });

  it('answers the connection test on an empty tenant with an empty ListResponse', async () => {
    const { scim: empty } = await tenantWithToken();
    const res = await empty.get('/Groups?startIndex=1&count=100');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
    expect(await res.json()).toEqual({ schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
  });

  it('creates a group with members: 201, Location, ETag, members with value, display, $ref and type', async () => {
    const res = await scim.post('/Groups', {
      schemas: [GROUP_URN, ENTRA_GROUP_URN],
      displayName: 'Engineering',
      externalId: 'okta-00g1',
      members: [{ value: people[0]!.id, display: 'ignored' }, { value: people[1]!.id, $ref: null }, people[0]!.id],
      [ENTRA_GROUP_URN]: { someEntraAttribute: 'x' },
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const group = (await res.json()) as ScimGroup;
    expect(group.schemas).toEqual([GROUP_URN]);
    expect(group).not.toHaveProperty(ENTRA_GROUP_URN);
    expect(group).toMatchObject({ displayName: 'Engineering', externalId: 'okta-00g1', meta: { resourceType: 'Group', version: 'W/"1"' } });
    expect(res.headers.get('location')).toBe(group.meta.location);
    expect(group.meta.location).toBe(`${scim.base}/Groups/${group.id}`);
    expect(res.headers.get('etag')).toBe('W/"1"');
    const expected = [people[0]!, people[1]!].map((p) => ({ value: p.id, $ref: `${scim.base}/Users/${p.id}`, display: p.displayName, type: 'User' }));
    expect(sorted((group.members ?? []).map((m) => m.value))).toEqual(sorted(expected.map((m) => m.value)));
    for (const member of group.members ?? []) expect(member).toEqual(expected.find((m) => m.value === member.value));
  });

  it('shows an empty group with members: [] and lists the group in its members\' groups', async () => {
    const group = await createGroup(scim, 'Empty Group');
    expect(group.members).toEqual([]);
    const withMember = await createGroup(scim, 'Designers', [people[2]!.id]);
    const user = (await (await scim.get(`/Users/${people[2]!.id}`)).json()) as { groups: unknown[] };
    expect(user.groups).toEqual([{ value: withMember.id, $ref: `${scim.base}/Groups/${withMember.id}`, display: 'Designers', type: 'direct' }]);
  });

  it('refuses a taken displayName in any case with 409 uniqueness', async () => {
    await createGroup(scim, 'Sales Team');
    for (const displayName of ['Sales Team', 'SALES team']) {
      const res = await scim.post('/Groups', { schemas: [GROUP_URN], displayName, members: [] });
      expect(res.status, displayName).toBe(409);
      expect(await res.json()).toMatchObject({ status: '409', scimType: 'uniqueness', detail: expect.stringContaining(`displayName "${displayName}" is already taken`) });
    }
    expect((await list(scim, filterQuery('displayName eq "sales team"'))).totalResults).toBe(1);
  });

  it('refuses bodies without displayName or the Group schema', async () => {
    const missing = await scim.post('/Groups', { schemas: [GROUP_URN], members: [] });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('displayName') });
    const wrongSchema = await scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], displayName: 'Nope' });
    expect(wrongSchema.status).toBe(400);
  });

  it('refuses unknown member ids, and other tenants\' users, with 400 invalidValue and creates nothing', async () => {
    const other = await tenantWithToken();
    const [stranger] = await createUsers(other.scim, 1, 'stranger');
    for (const [name, id] of [['Ghosts', crypto.randomUUID()], ['Strangers', stranger!.id]] as const) {
      const res = await scim.post('/Groups', { schemas: [GROUP_URN], displayName: name, members: [{ value: people[0]!.id }, { value: id }] });
      expect(res.status, name).toBe(400);
      const body = (await res.json()) as { scimType: string; detail: string };
      expect(body.scimType).toBe('invalidValue');
      expect(body.detail).toContain(id);
      expect(body.detail).not.toContain(people[0]!.id);
      expect((await list(scim, filterQuery(`displayName eq "${name}"`))).totalResults).toBe(0);
    }
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM group_members WHERE tenant_id = ? AND user_id = ?').bind(tenantId, stranger!.id).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('reads one group: 404 with detail, 304 on If-None-Match, projections that skip or trim members', async () => {
    const group = await createGroup(scim, 'Readers', [people[3]!.id], { externalId: 'rd-1' });
    const missing = await scim.get(`/Groups/${crypto.randomUUID()}`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ status: '404', detail: expect.stringContaining('not found') });
    expect((await scim.get(`/Groups/${group.id}`, { 'if-none-match': 'W/"1"' })).status).toBe(304);
    const excluded = await getGroup(scim, group.id, '?excludedAttributes=members');
    expect(excluded).not.toHaveProperty('members');
    expect(excluded).toMatchObject({ id: group.id, displayName: 'Readers', externalId: 'rd-1' });
    const onlyName = await getGroup(scim, group.id, '?attributes=displayName');
    expect(Object.keys(onlyName).sort()).toEqual(['displayName', 'id', 'schemas']);
    const memberValues = await getGroup(scim, group.id, '?attributes=members.value');
    expect(memberValues.members).toEqual([{ value: people[3]!.id }]);
  });

  it('lists with filters, paging, sorting and .search', async () => {
    const { scim: s } = await tenantWithToken();
    const members = await createUsers(s, 2, 'lister');
    const names = ['Alpha', 'bravo', 'Charlie', 'delta', 'Echo'];
    const created: ScimGroup[] = [];
    for (const [i, name] of names.entries()) created.push(await createGroup(s, name, i % 2 ? [members[0]!.id] : [members[1]!.id], { externalId: `ext-${i}` }));

    const byName = await list(s, filterQuery('displayName eq "CHARLIE"'));
    expect(byName.Resources.map((g) => g.id)).toEqual([created[2]!.id]);
    expect((await list(s, filterQuery('externalId eq "ext-3"'))).Resources.map((g) => g.displayName)).toEqual(['delta']);
    expect((await list(s, filterQuery(`members.value eq "${members[0]!.id}"`))).Resources.map((g) => g.displayName)).toEqual(['bravo', 'delta']);
    expect((await list(s, filterQuery(`members[value eq "${members[1]!.id}"] and displayName sw "e"`))).Resources.map((g) => g.displayName)).toEqual(['Echo']);
    expect((await list(s, filterQuery('displayName co "a" and not (externalId eq "ext-0")'))).totalResults).toBe(3);

    const page2 = await list(s, 'startIndex=3&count=2');
    expect(page2).toMatchObject({ totalResults: 5, startIndex: 3, itemsPerPage: 2 });
    expect(page2.Resources.map((g) => g.displayName)).toEqual(['Charlie', 'delta']);
    const sortedDesc = await list(s, 'sortBy=displayName&sortOrder=descending&excludedAttributes=members');
    expect(sortedDesc.Resources.map((g) => g.displayName)).toEqual(['Echo', 'delta', 'Charlie', 'bravo', 'Alpha']);
    for (const group of sortedDesc.Resources) expect(group).not.toHaveProperty('members');

    const search = await s.post('/Groups/.search', { schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'], filter: 'displayName eq "bravo"', attributes: ['displayName', 'members'] });
    expect(search.status).toBe(200);
    expect(((await search.json()) as ListBody).Resources).toEqual([{ schemas: [GROUP_URN], id: created[1]!.id, displayName: 'bravo', members: [expect.objectContaining({ value: members[0]!.id })] }]);

    const bad = await s.get(`/Groups?${filterQuery('displayName zz "x"')}`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ scimType: 'invalidFilter' });
    expect((await s.get('/Groups?sortBy=members')).status).toBe(400);
  });

  it('replaces with PUT: body members replace the membership, a body without members keeps it, [] clears it', async () => {
    const group = await createGroup(scim, 'Replaceable', [people[0]!.id, people[1]!.id]);
    const renamed = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], id: group.id, displayName: 'Replaced', members: [{ value: people[1]!.id }, { value: people[4]!.id }] });
    expect(renamed.status).toBe(200);
    expect(renamed.headers.get('etag')).toBe('W/"2"');
    expect(((await renamed.json()) as ScimGroup).displayName).toBe('Replaced');
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted([people[1]!.id, people[4]!.id]));

    const kept = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Replaced Again' });
    expect(kept.status).toBe(200);
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted([people[1]!.id, people[4]!.id]));

    const unchanged = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Replaced Again', members: [{ value: people[4]!.id }, { value: people[1]!.id }] });
    expect(unchanged.headers.get('etag')).toBe('W/"3"');

    const cleared = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Replaced Again', members: [] });
    expect(cleared.status).toBe(200);
    expect(((await cleared.json()) as ScimGroup).members).toEqual([]);
  });

  it('refuses PUT onto a taken name (409), a stale If-Match (412), unknown members (400) and unknown groups (404)', async () => {
    const group = await createGroup(scim, 'Put Target', [people[0]!.id]);
    await createGroup(scim, 'Put Taken');
    const taken = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'put taken' });
    expect(taken.status).toBe(409);
    expect(await taken.json()).toMatchObject({ scimType: 'uniqueness' });
    const stale = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Put Target 2' }, { 'if-match': 'W/"7"' });
    expect(stale.status).toBe(412);
    const unknown = await scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Put Target 3', members: [{ value: 'not-a-user' }] });
    expect(unknown.status).toBe(400);
    expect(await unknown.json()).toMatchObject({ scimType: 'invalidValue', detail: expect.stringContaining('not-a-user') });
    const after = await getGroup(scim, group.id);
    expect(after).toMatchObject({ displayName: 'Put Target', meta: { version: 'W/"1"' } });
    expect(after.members?.map((m) => m.value)).toEqual([people[0]!.id]);
    expect((await scim.put(`/Groups/${crypto.randomUUID()}`, { schemas: [GROUP_URN], displayName: 'Nobody' })).status).toBe(404);
  });

  it('deletes a group: 204, then 404; its users stay and no longer list it; the count follows', async () => {
    const { scim: s } = await tenantWithToken();
    const [user] = await createUsers(s, 1, 'stays');
    const group = await createGroup(s, 'Doomed', [user!.id]);
    expect((await list(s, 'count=0')).totalResults).toBe(1);
    expect((await s.delete(`/Groups/${group.id}`, { 'if-match': 'W/"3"' })).status).toBe(412);
    expect((await s.delete(`/Groups/${group.id}`)).status).toBe(204);
    expect((await s.get(`/Groups/${group.id}`)).status).toBe(404);
    expect((await s.delete(`/Groups/${group.id}`)).status).toBe(404);
    expect((await list(s, 'count=0')).totalResults).toBe(0);
    const userRes = await s.get(`/Users/${user!.id}`);
    expect(userRes.status).toBe(200);
    expect(((await userRes.json()) as { groups: unknown[] }).groups).toEqual([]);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM group_members WHERE group_id = ?').bind(group.id).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('deleting a user removes its memberships and leaves the group', async () => {
    const [leaver, stayer] = await createUsers(scim, 2, 'leaver');
    const group = await createGroup(scim, 'Leavers', [leaver!.id, stayer!.id]);
    expect((await scim.delete(`/Users/${leaver!.id}`)).status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual([stayer!.id]);
    const rows = await env.DB.prepare('SELECT count(*) AS n FROM group_members WHERE user_id = ?').bind(leaver!.id).first<{ n: number }>();
    expect(rows?.n).toBe(0);
  });

  it('answers 405 with Allow for methods an endpoint does not serve, and serves /groups in lower case', async () => {
    const res = await scim.request('PATCH', '/Groups', { schemas: [] });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET, POST');
    expect((await scim.request('GET', '/Groups/.search')).status).toBe(405);
    const lower = await scim.get('/groups/?count=1');
    expect(lower.status).toBe(200);
  });

  it('audits group writes with the token as actor, refused ones too', async () => {
    const group = await createGroup(scim, 'Audited', [people[5]!.id]);
    await scim.post('/Groups', { schemas: [GROUP_URN], displayName: 'audited' });
    const rows = await env.DB.prepare("SELECT action, outcome, status, detail FROM audit_log WHERE tenant_id = ? AND action = 'group.create' ORDER BY at DESC, id DESC LIMIT 2")
      .bind(tenantId)
      .all<{ action: string; outcome: string; status: number; detail: string | null }>();
    expect(rows.results).toEqual([
      { action: 'group.create', outcome: 'failure', status: 409, detail: expect.stringContaining('"audited" is already taken') },
      { action: 'group.create', outcome: 'success', status: 201, detail: 'members: +1 -0' },
    ]);
    expect(group.id).toBeTruthy();
  });
});
