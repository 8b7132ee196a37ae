/**
 * Roles from groups: the tenant's group → role map (src/tenants/role-mappings.ts, what the CLI
 * runs) read by the one-lookup access computation (src/tenants/access.ts) as SCIM groups change.
 */
import { describe, expect, it } from 'vitest';
import { userAccess } from '../src/tenants/access.ts';
import { catalogRole, listRoleMappings, mapGroupsToRoles, setDefaultRole, unmapGroups } from '../src/tenants/role-mappings.ts';
import { createGroup, createUsers, patchGroup } from './support/groups.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

describe('effective role from mapped groups', () => {
  it('maps by displayName or externalId, case-insensitively, and follows membership, renames and the map', async () => {
    const { scim, slug, tenant } = await tenantWithToken();
    const [alice, bob, carol] = await createUsers(scim, 3, 'role');
    const admins = await createGroup(scim, 'Okta Admins', [alice!.id]);
    await createGroup(scim, 'Engineering', [bob!.id], { externalId: '00gENGINEERING' });
    const role = async (userId: string) => (await userAccess(db(), tenant.id, userId))!.role;

    await mapGroupsToRoles(db(), await tenantRow(slug), [
      { groupName: 'OKTA admins', role: 'admin' },
      { groupName: '00gengineering', role: 'Editor' },
    ]);
    expect(await role(alice!.id)).toBe('admin');
    expect(await role(bob!.id)).toBe('editor');
    expect(await role(carol!.id)).toBe('viewer');

    await setDefaultRole(db(), await tenantRow(slug), 'editor');
    expect(await role(carol!.id)).toBe('editor');
    await setDefaultRole(db(), await tenantRow(slug), 'viewer');

    // Membership changes take effect on the next lookup.
    expect((await patchGroup(scim, admins.id, [{ op: 'add', path: 'members', value: [{ value: carol!.id }] }])).status).toBe(204);
    expect(await role(carol!.id)).toBe('admin');
    expect((await patchGroup(scim, admins.id, [{ op: 'remove', path: `members[value eq "${carol!.id}"]` }])).status).toBe(204);
    expect(await role(carol!.id)).toBe('viewer');

    // A renamed group no longer matches a mapping of its old name.
    expect((await patchGroup(scim, admins.id, [{ op: 'replace', value: { id: admins.id, displayName: 'Admins' } }])).status).toBe(204);
    expect(await role(alice!.id)).toBe('viewer');

    await unmapGroups(db(), await tenantRow(slug), ['00GENGINEERING']);
    expect(await role(bob!.id)).toBe('viewer');
    expect((await listRoleMappings(db(), await tenantRow(slug))).map((m) => [m.groupName, m.role])).toEqual([['OKTA admins', 'admin']]);
  });

  it('takes the highest of SCIM roles and mapped roles', async () => {
    const { scim, slug, tenant } = await tenantWithToken();
    const owner = (await (await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'own@acme.com', roles: ['owner'] })).json()) as { id: string };
    const viewer = (await (await scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'view@acme.com', roles: ['viewer'] })).json()) as { id: string };
    await createGroup(scim, 'Editors', [owner.id, viewer.id]);
    await mapGroupsToRoles(db(), await tenantRow(slug), [{ groupName: 'Editors', role: 'editor' }]);
    expect((await userAccess(db(), tenant.id, owner.id))!.role).toBe('owner');
    expect((await userAccess(db(), tenant.id, viewer.id))!).toMatchObject({ role: 'editor', scimGroups: ['Editors'], mappedRoles: ['editor'] });
  });

  it('checks roles against the catalog and keeps its spelling', async () => {
    const { tenant } = await tenantWithToken();
    expect(catalogRole(tenant, ' ADMIN ')).toBe('admin');
    expect(() => catalogRole(tenant, 'root')).toThrow(/its roles are: owner, admin, editor, viewer/);
  });
});
