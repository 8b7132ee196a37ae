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
