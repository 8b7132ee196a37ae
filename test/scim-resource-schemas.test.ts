import { describe, expect, it } from 'vitest';
import { findAttribute, findResourceType, findSchema, GROUP_RESOURCE_TYPE, RESOURCE_TYPES, SCHEMAS, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { renderResourceType, renderSchema } from '../src/scim/schema/render.ts';
import type { AttributeDefinition } from '../src/scim/schema/types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, USER_URN } from '../src/scim/schema/urns.ts';

const BASE = 'https://edge.test/scim/v2/acme';
const CHARACTERISTICS = ['name', 'type', 'multiValued', 'description', 'required', 'caseExact', 'mutability', 'returned', 'uniqueness'];

function walk(attributes: readonly AttributeDefinition[]): AttributeDefinition[] {
  return attributes.flatMap((a) => [a, ...walk(a.subAttributes ?? [])]);
}

describe('schema definitions (RFC 7643 §7, §8.7.1)', () => {
  it('spell out every characteristic of every attribute', () => {
    for (const schema of SCHEMAS) for (const attribute of walk(schema.attributes)) expect(Object.keys(attribute)).toEqual(expect.arrayContaining(CHARACTERISTICS));
  });

  it('define userName and Group displayName as required, server-unique and case-insensitive', () => {
    for (const [type, name] of [
      [USER_RESOURCE_TYPE, 'userName'],
      [GROUP_RESOURCE_TYPE, 'displayName'],
    ] as const) {
      expect(findAttribute(type, { name })?.attribute).toMatchObject({ required: true, uniqueness: 'server', caseExact: false, mutability: 'readWrite' });
    }
  });

  it('make password writeOnly and never returned, groups readOnly, id readOnly and always returned', () => {
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'password' })?.attribute).toMatchObject({ mutability: 'writeOnly', returned: 'never' });
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'groups' })?.attribute).toMatchObject({ mutability: 'readOnly', multiValued: true });
    expect(findAttribute(GROUP_RESOURCE_TYPE, { name: 'id' })?.attribute).toMatchObject({ mutability: 'readOnly', returned: 'always', caseExact: true });
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'externalId' })?.attribute).toMatchObject({ caseExact: true, mutability: 'readWrite' });
  });

  it('carry the RFC canonical values', () => {
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'emails', subAttr: 'type' })?.definition.canonicalValues).toEqual(['work', 'home', 'other']);
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'phoneNumbers', subAttr: 'type' })?.definition.canonicalValues).toEqual(['work', 'home', 'mobile', 'fax', 'pager', 'other']);
    expect(findAttribute(GROUP_RESOURCE_TYPE, { name: 'members', subAttr: 'type' })?.definition).toMatchObject({ canonicalValues: ['User', 'Group'], mutability: 'immutable' });
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'addresses', subAttr: 'primary' })?.definition.type).toBe('boolean');
  });
});

describe('findAttribute', () => {
  it('resolves case-insensitive names to canonical paths and storage keys', () => {
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'NAME', subAttr: 'GIVENNAME' })).toMatchObject({ origin: 'core', schema: USER_URN, path: { name: 'name', subAttr: 'givenName' }, keys: ['name', 'givenName'] });
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'meta', subAttr: 'lastmodified' })).toMatchObject({ origin: 'common', keys: ['meta', 'lastModified'] });
  });

  it('resolves URN-qualified names, split or whole, for core and extension', () => {
    const manager = { origin: 'extension', schema: ENTERPRISE_USER_URN, path: { uri: ENTERPRISE_USER_URN, name: 'manager', subAttr: 'value' }, keys: [ENTERPRISE_USER_URN, 'manager', 'value'] };
    expect(findAttribute(USER_RESOURCE_TYPE, { uri: ENTERPRISE_USER_URN.toUpperCase(), name: 'manager', subAttr: 'value' })).toMatchObject(manager);
    expect(findAttribute(USER_RESOURCE_TYPE, { name: `${ENTERPRISE_USER_URN}:manager`, subAttr: 'value' })).toMatchObject(manager);
    expect(findAttribute(USER_RESOURCE_TYPE, { uri: USER_URN, name: 'userName' })).toMatchObject({ origin: 'core', path: { name: 'userName' } });
  });

  it('accepts an unqualified extension name (lenient)', () => {
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'employeeNumber' })?.keys).toEqual([ENTERPRISE_USER_URN, 'employeeNumber']);
  });

  it('answers undefined for unknown names, sub-attributes and schemas', () => {
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'shoeSize' })).toBeUndefined();
    expect(findAttribute(USER_RESOURCE_TYPE, { name: 'userName', subAttr: 'x' })).toBeUndefined();
    expect(findAttribute(USER_RESOURCE_TYPE, { uri: ENTERPRISE_USER_URN, name: 'userName' })).toBeUndefined();
    expect(findAttribute(USER_RESOURCE_TYPE, { uri: GROUP_URN, name: 'displayName' })).toBeUndefined();
    expect(findAttribute(GROUP_RESOURCE_TYPE, { name: 'employeeNumber' })).toBeUndefined();
  });
});

describe('discovery documents', () => {
  it('render /Schemas entries with schemas, attributes and meta', () => {
    const rendered = renderSchema(findSchema(USER_URN.toLowerCase())!, BASE);
    expect(rendered).toMatchObject({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Schema'],
      id: USER_URN,
      name: 'User',
      meta: { resourceType: 'Schema', location: `${BASE}/Schemas/${USER_URN}` },
    });
    expect((rendered.attributes as AttributeDefinition[]).map((a) => a.name)).not.toContain('id');
  });

  it('render /ResourceTypes entries with endpoint, schema and extensions', () => {
    expect(RESOURCE_TYPES.map((t) => renderResourceType(t, BASE))).toEqual([
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'User',
        name: 'User',
        endpoint: '/Users',
        description: 'User Account',
        schema: USER_URN,
        schemaExtensions: [{ schema: ENTERPRISE_USER_URN, required: false }],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
      },
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
        id: 'Group',
        name: 'Group',
        endpoint: '/Groups',
        description: 'Group',
        schema: GROUP_URN,
        schemaExtensions: [],
        meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/Group` },
      },
    ]);
    expect(findResourceType('group')).toBe(GROUP_RESOURCE_TYPE);
  });
});
