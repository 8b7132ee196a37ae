/**
 * Group PATCH in every shape Okta "Push Groups" and Entra send (docs/interop.md): 204 on
 * success, each request all or nothing, re-sends no-ops, and never a wipe from a partial remove.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createGroup, createUsers, ENTRA_GROUP_URN, getGroup, GROUP_URN, memberIdsOf, patchGroup, sorted, type ScimGroup } from './support/groups.ts';
import { oktaAddMembers, oktaNewGroup } from './support/okta-bodies.ts';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';

type User = { id: string; userName: string; displayName: string };

describe('Okta Push Groups sequence', () => {
  let scim: ScimClient;
  let users: User[];
  let group: ScimGroup;

  beforeAll(async () => {
    ({ scim } = await tenantWithToken());
    users = await createUsers(scim, 4, 'okta.push');
  });

  it('1. looks the group up by displayName: 200 with totalResults 0 before it exists', async () => {
    const res = await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "Okta Admins"')}&startIndex=1&count=100`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('2. creates it with members: [] and finds it by displayName afterwards', async () => {
    const res = await scim.post('/Groups', oktaNewGroup('Okta Admins'));
    expect(res.status).toBe(201);
    group = (await res.json()) as ScimGroup;
    expect(group).toMatchObject({ displayName: 'Okta Admins', members: [] });
    const found = (await (await scim.get(`/Groups?filter=${encodeURIComponent('displayName eq "okta admins"')}`)).json()) as { Resources: ScimGroup[] };
    expect(found.Resources.map((g) => g.id)).toEqual([group.id]);
  });

  it('3. adds members with {value, display}: 204 with the new ETag', async () => {
    const res = await scim.patch(`/Groups/${group.id}`, oktaAddMembers(users.slice(0, 3).map((u) => ({ value: u.id, display: u.userName }))));
    expect(res.status).toBe(204);
    expect(await res.text()).toBe('');
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted(users.slice(0, 3).map((u) => u.id)));
  });

  it('4. renames with a pathless replace carrying its own id', async () => {
    const res = await patchGroup(scim, group.id, [{ op: 'replace', value: { id: group.id, displayName: 'Okta Administrators' } }]);
    expect(res.status).toBe(204);
    const after = await getGroup(scim, group.id);
    expect(after.displayName).toBe('Okta Administrators');
    expect(after.members).toHaveLength(3);
  });

  it('5. mixes remove members[value eq] and add members in one request', async () => {
    const res = await patchGroup(scim, group.id, [
      { op: 'remove', path: `members[value eq "${users[0]!.id}"]` },
      { op: 'add', path: 'members', value: [{ value: users[3]!.id, display: users[3]!.userName }] },
    ]);
    expect(res.status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted([users[1]!.id, users[2]!.id, users[3]!.id]));
  });

  it('6. pushes the full list as replace members', async () => {
    const res = await patchGroup(scim, group.id, [{ op: 'replace', path: 'members', value: [{ value: users[0]!.id }, { value: users[2]!.id }] }]);
    expect(res.status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual(sorted([users[0]!.id, users[2]!.id]));
  });

  it('7. empties it with a pathless replace {members: [], id, displayName}', async () => {
    const res = await patchGroup(scim, group.id, [{ op: 'replace', value: { members: [], id: group.id, displayName: 'Okta Administrators' } }]);
    expect(res.status).toBe(204);
    expect((await getGroup(scim, group.id)).members).toEqual([]);
    const user = (await (await scim.get(`/Users/${users[0]!.id}`)).json()) as { groups: unknown[] };
    expect(user.groups).toEqual([]);
  });

  it('8. deletes the pushed group; its users stay', async () => {
    expect((await scim.delete(`/Groups/${group.id}`)).status).toBe(204);
    expect((await scim.get(`/Groups/${group.id}`)).status).toBe(404);
    expect((await scim.get(`/Users/${users[0]!.id}`)).status).toBe(200);
  });
});

describe('Group PATCH shapes and rules', () => {
  let scim: ScimClient;
  let users: User[];
  let n = 0;
  const freshGroup = (members: User[]) => createGroup(scim, `patch-group-${++n}`, members.map((u) => u.id));
  const ids = (...picked: User[]) => sorted(picked.map((u) => u.id));

  beforeAll(async () => {
    ({ scim } = await tenantWithToken());
    users = await createUsers(scim, 8, 'shapes');
  });

  it("Entra's Remove members with a value list removes only the listed members", async () => {
    const [a, b, c] = users;
    const group = await freshGroup([a!, b!, c!]);
    const res = await patchGroup(scim, group.id, [{ op: 'Remove', path: 'members', value: [{ value: b!.id }] }]);
    expect(res.status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual(ids(a!, c!));
  });

  it("Entra's capitalised ops, extra group schema and displayName replace in one request", async () => {
    const [a, b] = users;
    const group = await freshGroup([]);
    const res = await scim.patch(`/Groups/${group.id}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [
        { op: 'Replace', path: 'displayName', value: `${group.displayName} (Entra)` },
        { op: 'Add', path: 'members', value: [{ value: a!.id }] },
        { op: 'Add', value: { members: [{ value: b!.id }], [ENTRA_GROUP_URN]: { something: 1 } } },
      ],
    });
    expect(res.status).toBe(204);
    const after = await getGroup(scim, group.id);
    expect(after.displayName).toBe(`${group.displayName} (Entra)`);
    expect(after.schemas).toEqual([GROUP_URN]);
    expect(after.members!.map((m) => m.value).sort()).toEqual(ids(a!, b!));
  });

  it('accepts $ref: null, a single member object, and several memberships in one request', async () => {
    const [a, b, c, d, e] = users;
    const group = await freshGroup([e!]);
    const res = await patchGroup(scim, group.id, [
      { op: 'add', path: 'members', value: [{ value: a!.id, $ref: null, display: 'A' }, { value: b!.id, $ref: null }] },
      { op: 'add', path: 'members', value: { value: c!.id, type: 'User' } },
      { op: 'add', path: 'members', value: [{ value: d!.id }] },
      { op: 'remove', path: `members[value eq "${e!.id}" or value eq "${b!.id}"]` },
    ]);
    expect(res.status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual(ids(a!, c!, d!));
  });

  it('folds operations in order: add then remove of one member leaves it out, remove then add keeps it', async () => {
    const [a, b] = users;
    const group = await freshGroup([a!]);
    const res = await patchGroup(scim, group.id, [
      { op: 'add', path: 'members', value: [{ value: b!.id }] },
      { op: 'remove', path: `members[value eq "${b!.id}"]` },
      { op: 'remove', path: 'members', value: [{ value: a!.id }] },
      { op: 'add', path: 'members', value: [{ value: a!.id }] },
    ]);
    expect(res.status).toBe(204);
    expect(await memberIdsOf(scim, group.id)).toEqual(ids(a!));
  });

  it('adding a member twice, removing a non-member or an unknown id are no-ops (204, version unchanged)', async () => {
    const [a, b] = users;
    const group = await freshGroup([a!]);
    for (const operation of [
      { op: 'add', path: 'members', value: [{ value: a!.id }] },
      { op: 'remove', path: `members[value eq "${b!.id}"]` },
      { op: 'remove', path: 'members', value: [{ value: crypto.randomUUID() }] },
      { op: 'replace', path: 'members', value: [{ value: a!.id }] },
      { op: 'replace', value: { id: group.id, displayName: group.displayName } },
    ]) {
      const res = await patchGroup(scim, group.id, [operation]);
      expect(res.status, JSON.stringify(operation)).toBe(204);
      expect(res.headers.get('etag')).toBe('W/"1"');
    }
    const after = await getGroup(scim, group.id);
    expect(after.meta.version).toBe('W/"1"');
    expect(after.meta.lastModified).toBe(group.meta.lastModified);
  });

  it('a membership change bumps the version and lastModified once', async () => {
    const [a] = users;
    const group = await freshGroup([]);
    const res = await patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: a!.id }] }]);
    expect(res.headers.get('etag')).toBe('W/"2"');
    const after = await getGroup(scim, group.id);
    expect(after.meta.version).toBe('W/"2"');
    expect(after.meta.lastModified > group.meta.lastModified).toBe(true);
  });

  it("a removal moves the group's version once and the leaver's, and leaves the others as they were", async () => {
    const [a, b] = users;
    const group = await freshGroup([a!, b!]);
    const before = async (id: string) => ((await (await scim.get(`/Users/${id}`)).json()) as { meta: { version: string }; groups?: { value: string }[] });
    const [leaver, stayer] = [await before(a!.id), await before(b!.id)];
    const res = await patchGroup(scim, group.id, [{ op: 'remove', path: `members[value eq "${a!.id}"]` }]);
    expect(res.headers.get('etag')).toBe('W/"2"');
    expect(await memberIdsOf(scim, group.id)).toEqual(ids(b!));
    const [left, stayed] = [await before(a!.id), await before(b!.id)];
    expect(left.meta.version).not.toBe(leaver.meta.version);
    expect((left.groups ?? []).map((g) => g.value)).not.toContain(group.id);
    expect(stayed.meta.version).toBe(stayer.meta.version);
  });

  it('remove members without a value empties the group', async () => {
    const group = await freshGroup(users.slice(0, 3));
    expect((await patchGroup(scim, group.id, [{ op: 'remove', path: 'members' }])).status).toBe(204);
    expect((await getGroup(scim, group.id)).members).toEqual([]);
  });

  it('unknown member ids are 400 invalidValue and nothing of the request applies', async () => {
    const [a, b] = users;
    const group = await freshGroup([a!]);
    const ghost = crypto.randomUUID();
    const res = await patchGroup(scim, group.id, [
      { op: 'replace', path: 'displayName', value: 'Should Not Stick' },
      { op: 'remove', path: `members[value eq "${a!.id}"]` },
      { op: 'add', path: 'members', value: [{ value: b!.id }, { value: ghost }] },
    ]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { scimType: string; detail: string };
    expect(body.scimType).toBe('invalidValue');
    expect(body.detail).toContain(ghost);
    const after = await getGroup(scim, group.id);
    expect(after).toMatchObject({ displayName: group.displayName, meta: { version: 'W/"1"' } });
    expect(after.members!.map((m) => m.value)).toEqual([a!.id]);
  });

  it('another tenant\'s user is an unknown member too', async () => {
    const other = await tenantWithToken();
    const [stranger] = await createUsers(other.scim, 1, 'other.tenant');
    const group = await freshGroup([]);
    const res = await patchGroup(scim, group.id, [{ op: 'add', path: 'members', value: [{ value: stranger!.id }] }]);
    expect(res.status).toBe(400);
    expect(await memberIdsOf(scim, group.id)).toEqual([]);
  });

  it('a pathless replace carrying another id is 400 mutability, members untouched', async () => {
    const [a, b] = users;
    const group = await freshGroup([a!]);
    const res = await patchGroup(scim, group.id, [{ op: 'replace', value: { id: crypto.randomUUID(), displayName: 'Hijack', members: [{ value: b!.id }] } }]);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ scimType: 'mutability' });
    const after = await getGroup(scim, group.id);
    expect(after.displayName).toBe(group.displayName);
    expect(after.members!.map((m) => m.value)).toEqual([a!.id]);
  });

  it('a rename onto a taken displayName is 409 uniqueness, members untouched', async () => {
    const [a, b] = users;
    const taken = await freshGroup([]);
    const group = await freshGroup([a!]);
    const res = await patchGroup(scim, group.id, [
      { op: 'add', path: 'members', value: [{ value: b!.id }] },
      { op: 'replace', path: 'displayName', value: taken.displayName.toUpperCase() },
    ]);
    expect(res.status).toBe(409);
    expect(await res.json()).toMatchObject({ scimType: 'uniqueness' });
    expect(await memberIdsOf(scim, group.id)).toEqual([a!.id]);
  });

  it('refuses member sub-attribute writes, filters by anything but value, and bad envelopes', async () => {
    const group = await freshGroup([users[0]!]);
    const cases: [unknown[], number, string][] = [
      [[{ op: 'replace', path: 'members.display', value: 'x' }], 400, 'mutability'],
      [[{ op: 'remove', path: 'members[display eq "x"]' }], 400, 'invalidFilter'],
      [[{ op: 'add', path: `members[value eq "${users[1]!.id}"]`, value: {} }], 400, 'invalidPath'],
      [[{ op: 'add', path: 'members', value: [{ display: 'no id' }] }], 400, 'invalidValue'],
      [[{ op: 'replace', path: 'id', value: 'x' }], 400, 'mutability'],
      [[{ op: 'move', path: 'members' }], 400, 'invalidSyntax'],
    ];
    for (const [operations, status, scimType] of cases) {
      const res = await patchGroup(scim, group.id, operations);
      expect(res.status, JSON.stringify(operations)).toBe(status);
      expect(await res.json(), JSON.stringify(operations)).toMatchObject({ scimType });
    }
    expect((await getGroup(scim, group.id)).meta.version).toBe('W/"1"');
  });

  it('honours If-Match, and answers 404 for an unknown group', async () => {
    const group = await freshGroup([]);
    const op = [{ op: 'add', path: 'members', value: [{ value: users[0]!.id }] }];
    expect((await patchGroup(scim, group.id, op, { 'if-match': 'W/"9"' })).status).toBe(412);
    expect((await patchGroup(scim, group.id, op, { 'if-match': 'W/"1"' })).status).toBe(204);
    const missing = await patchGroup(scim, crypto.randomUUID(), op);
    expect(missing.status).toBe(404);
  });

  it('replaces externalId and keeps members', async () => {
    const group = await freshGroup([users[0]!]);
    expect((await patchGroup(scim, group.id, [{ op: 'replace', path: 'externalId', value: 'entra-object-id' }])).status).toBe(204);
    const found = (await (await scim.get(`/Groups?filter=${encodeURIComponent('externalId eq "entra-object-id"')}`)).json()) as { Resources: ScimGroup[] };
    expect(found.Resources.map((g) => [g.id, g.members?.length])).toEqual([[group.id, 1]]);
  });
});
