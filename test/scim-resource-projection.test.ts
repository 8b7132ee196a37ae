import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAttributeList, projectionIncludes, projectResource } from '../src/scim/model/projection.ts';
import { toScimResource } from '../src/scim/model/render.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';
import { attr } from '../src/scim/schema/build.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from '../src/scim/schema/urns.ts';
import { ADA_DATA } from './support/scim-resources.ts';

const BASE = 'https://edge.test/scim/v2/acme';

const stored = {
  id: 'u-1',
  version: 3,
  createdAt: '2024-05-01T10:00:00.000Z',
  updatedAt: '2024-05-02T11:00:00.000Z',
  data: ADA_DATA,
  extra: { groups: [{ value: 'g-1', display: 'Eng', type: 'direct' }] },
};
const resource = toScimResource(USER_RESOURCE_TYPE, stored, BASE);

describe('toScimResource', () => {
  it('adds id, the computed attributes and meta with location and a weak version', () => {
    expect(resource).toEqual({
      ...stored.data,
      id: 'u-1',
      groups: stored.extra.groups,
      meta: {
        resourceType: 'User',
        created: '2024-05-01T10:00:00.000Z',
        lastModified: '2024-05-02T11:00:00.000Z',
        location: `${BASE}/Users/u-1`,
        version: 'W/"3"',
      },
    });
    expect(Object.keys(resource).slice(0, 2)).toEqual(['schemas', 'id']);
  });

  it("renders a group's members from the caller, at /Groups", () => {
    const group = toScimResource(GROUP_RESOURCE_TYPE, { id: 'g-1', version: 1, createdAt: 'c', updatedAt: 'u', data: { schemas: [GROUP_URN], displayName: 'Eng' }, extra: { members: [] } }, BASE);
    expect(group).toMatchObject({ displayName: 'Eng', members: [], meta: { resourceType: 'Group', location: `${BASE}/Groups/g-1` } });
  });
});

describe('projectResource (RFC 7644 §3.4.2.5)', () => {
  it('returns every default attribute without lists', () => {
    expect(projectResource(USER_RESOURCE_TYPE, resource)).toEqual(resource);
  });

  const cases: Array<[string, { attributes?: string; excludedAttributes?: string }, Record<string, unknown>]> = [
    ['attributes=userName keeps schemas and id', { attributes: 'userName' }, { schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com' }],
    ['names are case-insensitive and trimmed', { attributes: ' USERNAME , Active' }, { schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com', active: true }],
    ['a sub-attribute keeps only it', { attributes: 'name.givenName' }, { schemas: resource.schemas, id: 'u-1', name: { givenName: 'Ada' } }],
    [
      'a multi-valued sub-attribute projects every element',
      { attributes: 'emails.value' },
      { schemas: resource.schemas, id: 'u-1', emails: [{ value: 'ada@example.com' }, { value: 'ada@home.example' }] },
    ],
    ['a URN-qualified core name', { attributes: `${USER_URN}:userName` }, { schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com' }],
    [
      'a URN-qualified extension sub-attribute',
      { attributes: `${ENTERPRISE_USER_URN}:manager.value` },
      { schemas: resource.schemas, id: 'u-1', [ENTERPRISE_USER_URN]: { manager: { value: 'm-1' } } },
    ],
    ['a whole extension by its URN', { attributes: ENTERPRISE_USER_URN }, { schemas: resource.schemas, id: 'u-1', [ENTERPRISE_USER_URN]: stored.data[ENTERPRISE_USER_URN] }],
    ['meta.lastModified', { attributes: 'meta.lastModified' }, { schemas: resource.schemas, id: 'u-1', meta: { lastModified: '2024-05-02T11:00:00.000Z' } }],
    ['unknown names are ignored', { attributes: 'userName,shoeSize,name.nope' }, { schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com' }],
    ['only unknown names means the default set', { attributes: 'shoeSize' }, resource],
    ['attributes wins over excludedAttributes', { attributes: 'userName', excludedAttributes: 'userName' }, { schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com' }],
  ];
  it.each(cases)('%s', (_label, projection, expected) => {
    expect(projectResource(USER_RESOURCE_TYPE, resource, projection)).toEqual(expected);
  });

  it('excludedAttributes removes attributes, sub-attributes and extensions but never id', () => {
    const projected = projectResource(USER_RESOURCE_TYPE, resource, { excludedAttributes: `groups,name.familyName,id,${ENTERPRISE_USER_URN},meta` });
    expect(projected).toEqual({
      schemas: resource.schemas,
      id: 'u-1',
      externalId: '00u1',
      userName: 'ada@example.com',
      name: { givenName: 'Ada' },
      active: true,
      emails: resource.emails,
    });
  });

  it('takes the lists as arrays too (POST /.search)', () => {
    expect(projectResource(USER_RESOURCE_TYPE, resource, { attributes: ['userName', 'active'] })).toEqual({ schemas: resource.schemas, id: 'u-1', userName: 'ada@example.com', active: true });
  });

  it("keeps a group's empty members list unless excluded", () => {
    const group = { schemas: [GROUP_URN], id: 'g', displayName: 'Eng', members: [] };
    expect(projectResource(GROUP_RESOURCE_TYPE, group)).toEqual(group);
    expect(projectResource(GROUP_RESOURCE_TYPE, group, { excludedAttributes: 'members' })).toEqual({ schemas: [GROUP_URN], id: 'g', displayName: 'Eng' });
  });

  it('honours returned=request and returned=never', () => {
    const type: ResourceTypeDefinition = {
      ...USER_RESOURCE_TYPE,
      schema: { ...USER_RESOURCE_TYPE.schema, attributes: [...USER_RESOURCE_TYPE.schema.attributes, attr('secretHint', 'string', 'x', { returned: 'request' })] },
    };
    const withHint = { ...resource, secretHint: 'h', password: 'p' };
    expect(projectResource(type, withHint)).not.toHaveProperty('secretHint');
    expect(projectResource(type, withHint, { excludedAttributes: 'userName' })).not.toHaveProperty('secretHint');
    expect(projectResource(type, withHint, { attributes: 'secretHint' })).toEqual({ schemas: resource.schemas, id: 'u-1', secretHint: 'h' });
    expect(projectResource(type, withHint, { attributes: 'password' })).toEqual({ schemas: resource.schemas, id: 'u-1' });
  });

  it('tells whether a computed attribute is wanted', () => {
    expect(projectionIncludes(GROUP_RESOURCE_TYPE, 'members')).toBe(true);
    expect(projectionIncludes(GROUP_RESOURCE_TYPE, 'members', { excludedAttributes: 'members' })).toBe(false);
    expect(projectionIncludes(GROUP_RESOURCE_TYPE, 'members', { attributes: 'displayName' })).toBe(false);
    expect(projectionIncludes(GROUP_RESOURCE_TYPE, 'members', { attributes: 'members.value' })).toBe(true);
  });

  it('parses attribute lists into canonical key paths', () => {
    expect(parseAttributeList(USER_RESOURCE_TYPE, `userName, NAME.givenname,${ENTERPRISE_USER_URN},${ENTERPRISE_USER_URN}:Manager.Value,x.y.z`)).toEqual([
      ['userName'],
      ['name', 'givenName'],
      [ENTERPRISE_USER_URN],
      [ENTERPRISE_USER_URN, 'manager', 'value'],
    ]);
  });

  it('never returns password and always returns id and schemas, whatever the lists (property)', () => {
    const names = fc.constantFrom('id', 'password', 'userName', 'name', 'name.givenName', 'emails.value', 'meta', 'groups', ENTERPRISE_USER_URN, 'PASSWORD', 'bogus', `${USER_URN}:password`);
    const list = fc.array(names, { maxLength: 5 }).map((items) => items.join(','));
    fc.assert(
      fc.property(fc.option(list, { nil: undefined }), fc.option(list, { nil: undefined }), (attributes, excludedAttributes) => {
        const projected = projectResource(USER_RESOURCE_TYPE, { ...resource, password: 'secret' }, { attributes, excludedAttributes });
        expect(projected).not.toHaveProperty('password');
        expect(projected.id).toBe('u-1');
        expect(projected.schemas).toEqual(resource.schemas);
      }),
    );
  });
});
