/**
 * A group's version (its ETag) and `meta.lastModified` move whenever what GET shows of it changes,
 * also without a group write: a member renamed (its `display`) or deleted (its membership goes by
 * cascade). Clients caching by ETag — and If-Match writers — see the change.
 */
import { describe, expect, it } from 'vitest';
import { createUsers, getGroup, PATCH_OP } from './support/groups.ts';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';

async function groupMeta(scim: ScimClient, id: string) {
  const response = await scim.get(`/Groups/${id}`);
  const body = (await response.json()) as { meta: { version: string; lastModified: string }; members?: { value: string; display: string }[] };
  return { etag: response.headers.get('etag'), ...body.meta, members: body.members ?? [] };
}

describe('group versions follow their members', () => {
  it('moves when a member is renamed, and again when a member is deleted; stale If-Match is refused', async () => {
    const t = await tenantWithToken();
    const [ann, ben] = await createUsers(t.scim, 2);
    const created = await t.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Watched', members: [{ value: ann!.id }, { value: ben!.id }] });
    const id = ((await created.json()) as { id: string }).id;
    const first = await groupMeta(t.scim, id);

    const renamed = await t.scim.patch(`/Users/${ann!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Ann Renamed' }] });
    expect(renamed.status).toBe(200);
    const second = await groupMeta(t.scim, id);
    expect(second.version).not.toBe(first.version);
    expect(second.etag).toBe(second.version);
    expect(Date.parse(second.lastModified)).toBeGreaterThanOrEqual(Date.parse(first.lastModified));
    expect(second.members.find((m) => m.value === ann!.id)?.display).toBe('Ann Renamed');

    // A write that does not change what a member shows leaves the group as it was.
    expect((await t.scim.patch(`/Users/${ben!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'Engineer' }] })).status).toBe(200);
    expect((await groupMeta(t.scim, id)).version).toBe(second.version);

    expect((await t.scim.delete(`/Users/${ben!.id}`)).status).toBe(204);
    const third = await groupMeta(t.scim, id);
    expect(third.version).not.toBe(second.version);
    expect(third.members.map((m) => m.value)).toEqual([ann!.id]);

    // The group's writer starts from the moved version: the old ETag no longer matches.
    const stale = await t.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Watched 2' }] }, { 'if-match': second.version });
    expect(stale.status).toBe(412);
    const fresh = await t.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Watched 2' }] }, { 'if-match': third.version });
    expect(fresh.status).toBe(204);
    expect((await getGroup(t.scim, id)).displayName).toBe('Watched 2');
  });
});

async function userVersion(scim: ScimClient, id: string): Promise<{ version: string; groups: string[] }> {
  const body = (await (await scim.get(`/Users/${id}`)).json()) as { meta: { version: string }; groups?: { display: string }[] };
  return { version: body.meta.version, groups: (body.groups ?? []).map((g) => g.display) };
}

describe('user versions follow their groups', () => {
  it('moves when the user joins or leaves a group, when the group is renamed, and when it is deleted', async () => {
    const t = await tenantWithToken();
    const [cat, dan] = await createUsers(t.scim, 2);
    const v0 = await userVersion(t.scim, cat!.id);
    const created = await t.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Crew', members: [{ value: cat!.id }] });
    const id = ((await created.json()) as { id: string }).id;
    const v1 = await userVersion(t.scim, cat!.id);
    expect(v1.version).not.toBe(v0.version);
    expect(v1.groups).toEqual(['Crew']);

    // Okta's member add (decided in its batch) moves only the member it added.
    const danBefore = await userVersion(t.scim, dan!.id);
    expect((await t.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: dan!.id }, { value: cat!.id }] }] })).status).toBe(204);
    expect((await userVersion(t.scim, dan!.id)).version).not.toBe(danBefore.version);
    expect((await userVersion(t.scim, cat!.id)).version).toBe(v1.version);

    expect((await t.scim.patch(`/Groups/${id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Crew Renamed' }] })).status).toBe(204);
    const v2 = await userVersion(t.scim, cat!.id);
    expect(v2.version).not.toBe(v1.version);
    expect(v2.groups).toEqual(['Crew Renamed']);

    // A full replace without her moves her too (she leaves), and a stale If-Match on her is refused.
    expect((await t.scim.put(`/Groups/${id}`, { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Crew Renamed', members: [{ value: dan!.id }] })).status).toBe(200);
    const v3 = await userVersion(t.scim, cat!.id);
    expect(v3.version).not.toBe(v2.version);
    expect(v3.groups).toEqual([]);
    expect((await t.scim.patch(`/Users/${cat!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] }, { 'if-match': v2.version })).status).toBe(412);

    const danInGroup = await userVersion(t.scim, dan!.id);
    expect((await t.scim.delete(`/Groups/${id}`)).status).toBe(204);
    const danAfter = await userVersion(t.scim, dan!.id);
    expect(danAfter.version).not.toBe(danInGroup.version);
    expect(danAfter.groups).toEqual([]);
    // The object's memory of dan was dropped with the delete: a write with his new ETag goes through.
    expect((await t.scim.patch(`/Users/${dan!.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'y' }] }, { 'if-match': danAfter.version })).status).toBe(200);
  });
});
