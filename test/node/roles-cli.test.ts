import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliRunner, freshState } from './support/cli.ts';

const state = freshState();
afterAll(() => state.remove());

const { cli, json } = cliRunner(state.dir);
const refused = async (pattern: RegExp, ...args: string[]) => {
  const run = await cli(...args, '--json');
  expect(run.status, run.stdout).toBe(1);
  expect(run.stdout).toBe('');
  expect((JSON.parse(run.stderr) as { error: string }).error).toMatch(pattern);
};

describe('roles CLI on local state', () => {
  beforeAll(async () => {
    await json('create', 'roles-co');
  });

  it('maps groups to catalog roles, lists them, and replaces a mapping of the same group in any case', async () => {
    expect(await json('roles', 'map', 'roles-co', 'Okta Admins=Admin', 'Engineering=editor', 'a=b=viewer')).toMatchObject({
      slug: 'roles-co',
      mapped: [
        { groupName: 'Okta Admins', role: 'admin' },
        { groupName: 'Engineering', role: 'editor' },
        { groupName: 'a=b', role: 'viewer' },
      ],
    });
    await json('roles', 'map', 'roles-co', 'okta admins=owner');
    const listed = await json('roles', 'list', 'roles-co');
    expect(listed).toMatchObject({ slug: 'roles-co', roles: ['owner', 'admin', 'editor', 'viewer'], defaultRole: 'viewer' });
    expect((listed.mappings as { groupName: string; role: string }[]).map((m) => [m.groupName, m.role])).toEqual([
      ['a=b', 'viewer'],
      ['Engineering', 'editor'],
      ['okta admins', 'owner'],
    ]);
    const text = await cli('roles', 'list', 'roles-co');
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/default role: viewer/);
    expect(text.stdout).toMatch(/Engineering\s+editor/);
  });

  it('refuses roles outside the catalog, malformed and duplicate mappings, changing nothing', async () => {
    await refused(/"superuser" is not a role of tenant "roles-co"; its roles are: owner, admin, editor, viewer/, 'roles', 'map', 'roles-co', 'Support=editor', 'Ops=superuser');
    await refused(/"Support" is not a mapping; write it as "Group Name=role"/, 'roles', 'map', 'roles-co', 'Support');
    await refused(/mapped twice/, 'roles', 'map', 'roles-co', 'Support=editor', 'SUPPORT=viewer');
    await refused(/missing <Group Name=role>/, 'roles', 'map', 'roles-co');
    const listed = await json('roles', 'list', 'roles-co');
    expect((listed.mappings as { groupName: string }[]).map((m) => m.groupName)).not.toContain('Support');
  });

  it('unmaps case-insensitively; an unmapped name is an error', async () => {
    expect(await json('roles', 'unmap', 'roles-co', 'ENGINEERING')).toMatchObject({ unmapped: [{ groupName: 'Engineering', role: 'editor' }] });
    await refused(/no mapping for "Engineering"/, 'roles', 'unmap', 'roles-co', 'Engineering');
  });

  it('sets the default role from the catalog only', async () => {
    expect(await json('roles', 'default', 'roles-co', 'Editor')).toEqual({ slug: 'roles-co', defaultRole: 'editor' });
    await refused(/"root" is not a role of tenant "roles-co"/, 'roles', 'default', 'roles-co', 'root');
  });

  it("sets the console's configuring role from the catalog only; roles list shows it", async () => {
    expect(await json('roles', 'configuring', 'roles-co', 'Owner')).toEqual({ slug: 'roles-co', configuringRole: 'owner' });
    expect(await json('roles', 'list', 'roles-co')).toMatchObject({ configuringRole: 'owner' });
    await refused(/"root" is not a role of tenant "roles-co"/, 'roles', 'configuring', 'roles-co', 'root');
  });
});
