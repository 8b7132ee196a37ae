import { describe, expect, it } from 'vitest';
import { ScimError } from '../src/http/errors.ts';
import { applyPatch, type PatchOperation } from '../src/scim/patch/apply.ts';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import { attr, complex } from '../src/scim/schema/build.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, PATCH_OP_URN, USER_URN } from '../src/scim/schema/urns.ts';
import { scimErrorOf, TENANT_ROLES } from './support/scim-resources.ts';

const options = TENANT_ROLES;

/** A user as GET /Users/{id} returns it. */
const current = Object.freeze({
  schemas: [USER_URN, ENTERPRISE_USER_URN],
  id: 'u-1',
  externalId: '00u1',
  userName: 'ada@example.com',
  name: { familyName: 'Lovelace', givenName: 'Ada' },
  displayName: 'Ada Lovelace',
  active: true,
  emails: [{ value: 'ada@home.example', type: 'home', primary: true }],
  roles: [{ value: 'viewer' }],
  groups: [{ value: 'g-1', display: 'Eng' }],
  [ENTERPRISE_USER_URN]: { department: 'Math' },
  meta: { resourceType: 'User', created: '2024-05-01T10:00:00Z', lastModified: '2024-05-01T10:00:00Z', location: 'x', version: 'W/"1"' },
});
const stored = { ...current } as Record<string, unknown>;
for (const key of ['id', 'groups', 'meta']) delete stored[key];

/** Operations as the zod boundary hands them over (so `op` casing is the client's). */
function ops(...operations: Array<Record<string, unknown>>): PatchOperation[] {
  return patchRequestSchema.parse({ schemas: [PATCH_OP_URN], Operations: operations }).Operations;
}
const patch = (...operations: Array<Record<string, unknown>>) => applyPatch(USER_RESOURCE_TYPE, current, ops(...operations), options);

const patchError = (...operations: Array<Record<string, unknown>>) => scimErrorOf(() => patch(...operations));

describe('applyPatch: Okta shapes', () => {
  it('deactivates with a pathless replace', () => {
    expect(patch({ op: 'replace', value: { active: false } })).toEqual({ ...stored, active: false });
  });

  it('accepts and drops a password change', () => {
    expect(patch({ op: 'replace', value: { password: 'n3w!' } })).toEqual(stored);
    expect(patch({ op: 'replace', path: 'password', value: 'n3w!' })).toEqual(stored);
  });

  it("ignores the resource's own id in a pathless replace, refuses another", () => {
    expect(patch({ op: 'replace', value: { id: 'u-1', displayName: 'Ada L' } })).toEqual({ ...stored, displayName: 'Ada L' });
    expect([patchError({ op: 'replace', value: { id: 'u-2', displayName: 'x' } }).scimType]).toEqual(['mutability']);
  });

  it('never mutates its input', () => {
    const before = JSON.stringify(current);
    patch({ op: 'replace', path: 'name.givenName', value: 'A' }, { op: 'add', path: 'emails', value: [{ value: 'b@x.io' }] });
    expect(JSON.stringify(current)).toBe(before);
  });
});

describe('applyPatch: Entra shapes', () => {
  it('takes capitalised ops, dotted paths, string booleans and URN-qualified paths', () => {
    const result = patch(
      { op: 'Replace', path: 'name.givenName', value: 'Augusta' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: `${ENTERPRISE_USER_URN}:employeeNumber`, value: '701984' },
    );
    expect(result).toEqual({ ...stored, name: { familyName: 'Lovelace', givenName: 'Augusta' }, active: false, [ENTERPRISE_USER_URN]: { employeeNumber: '701984', department: 'Math' } });
  });

  it('treats the dotted keys of a pathless replace as paths', () => {
    const result = patch({ op: 'Replace', value: { 'name.givenName': 'Augusta', 'name.familyName': 'King', [`${ENTERPRISE_USER_URN}:department`]: 'Analysis', shoeSize: 44 } });
    expect(result).toEqual({ ...stored, name: { familyName: 'King', givenName: 'Augusta' }, [ENTERPRISE_USER_URN]: { department: 'Analysis' } });
  });

  it('unwraps single values sent as one-element arrays', () => {
    expect(patch({ op: 'Replace', path: 'displayName', value: [{ value: 'Ada L' }] }).displayName).toBe('Ada L');
    expect(patch({ op: 'Replace', path: 'title', value: ['CTO'] }).title).toBe('CTO');
  });

  it('creates the element of a filtered path that matches nothing, merging sub-attributes of the same filter', () => {
    const result = patch(
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ada@work.example' },
      { op: 'Add', path: 'emails[type eq "work"].display', value: 'Work' },
      { op: 'Replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
    );
    expect(result.emails).toEqual([
      { value: 'ada@home.example', type: 'home', primary: true },
      { value: 'ada@work.example', display: 'Work', type: 'work' },
    ]);
    expect(result.phoneNumbers).toEqual([{ value: '+1 555 0100', type: 'mobile' }]);
  });

  it('replaces the sub-attribute of a matching element', () => {
    expect(patch({ op: 'replace', path: 'emails[type eq "HOME"].value', value: 'ada@new.example' }).emails).toEqual([{ value: 'ada@new.example', type: 'home', primary: true }]);
  });

  it('sets the manager from its Add shape, and from a bare id', () => {
    const expected = { department: 'Math', manager: { value: 'm-1', $ref: '../Users/m-1' } };
    expect(patch({ op: 'Add', path: 'manager', value: [{ $ref: '../Users/m-1', value: 'm-1' }] })[ENTERPRISE_USER_URN]).toEqual(expected);
    expect(patch({ op: 'Add', path: `${ENTERPRISE_USER_URN}:manager`, value: 'm-1' })[ENTERPRISE_USER_URN]).toEqual({ department: 'Math', manager: { value: 'm-1' } });
  });

  it('treats re-sent values as no-ops', () => {
    expect(patch({ op: 'Add', path: 'emails', value: [{ value: 'ADA@home.example', type: 'home' }] })).toEqual(stored);
    expect(patch({ op: 'Add', path: 'roles', value: [{ value: 'viewer' }] })).toEqual(stored);
    expect(patch({ op: 'Replace', path: 'displayName', value: 'Ada Lovelace' })).toEqual(stored);
  });

  it('removes only the listed elements of a multi-valued attribute', () => {
    const twoRoles = applyPatch(USER_RESOURCE_TYPE, current, ops({ op: 'add', path: 'roles', value: 'admin' }), options);
    expect(twoRoles.roles).toEqual([{ value: 'viewer' }, { value: 'admin' }]);
    expect(applyPatch(USER_RESOURCE_TYPE, twoRoles, ops({ op: 'Remove', path: 'roles', value: [{ value: 'viewer' }] }), options).roles).toEqual([{ value: 'admin' }]);
  });
});

describe('applyPatch: RFC 7644 §3.5.2 semantics', () => {
  const cases: Array<[string, Record<string, unknown>[], Record<string, unknown>]> = [
    ['add sets an unassigned attribute', [{ op: 'add', path: 'title', value: 'CTO' }], { ...stored, title: 'CTO' }],
    ['add to a complex attribute merges', [{ op: 'add', path: 'name', value: { middleName: 'King' } }], { ...stored, name: { familyName: 'Lovelace', givenName: 'Ada', middleName: 'King' } }],
    ['replace of a complex attribute merges too', [{ op: 'replace', path: 'name', value: { givenName: 'A' } }], { ...stored, name: { familyName: 'Lovelace', givenName: 'A' } }],
    ['replace of a multi-valued attribute replaces the list', [{ op: 'replace', path: 'emails', value: [{ value: 'n@x.io' }] }], { ...stored, emails: [{ value: 'n@x.io' }] }],
    [
      'add with primary takes primary from the others',
      [{ op: 'add', path: 'emails', value: [{ value: 'w@x.io', type: 'work', primary: true }] }],
      { ...stored, emails: [{ value: 'ada@home.example', type: 'home', primary: false }, { value: 'w@x.io', type: 'work', primary: true }] },
    ],
    ['add of a pathless object adds each attribute', [{ op: 'add', value: { nickName: 'Ada', emails: [{ value: 'n@x.io' }] } }], { ...stored, nickName: 'Ada', emails: [...current.emails, { value: 'n@x.io' }] }],
    ['remove of an attribute', [{ op: 'remove', path: 'displayName' }], (({ displayName: _, ...rest }) => rest)(stored)],
    ['remove of a sub-attribute', [{ op: 'remove', path: 'name.givenName' }], { ...stored, name: { familyName: 'Lovelace' } }],
    ['remove of a filtered element', [{ op: 'remove', path: 'emails[type eq "home"]' }], (({ emails: _, ...rest }) => rest)(stored)],
    ['remove with a filter that matches nothing is a no-op', [{ op: 'remove', path: 'emails[type eq "work"]' }], stored],
    ['remove of a sub-attribute of filtered elements', [{ op: 'remove', path: 'emails[type eq "home"].primary' }], { ...stored, emails: [{ value: 'ada@home.example', type: 'home' }] }],
    ['remove of an absent extension attribute is a no-op', [{ op: 'remove', path: `${ENTERPRISE_USER_URN}:manager` }], stored],
    ['remove of the last extension attribute drops the extension', [{ op: 'remove', path: `${ENTERPRISE_USER_URN}:department` }], (({ [ENTERPRISE_USER_URN]: _, ...rest }) => ({ ...rest, schemas: [USER_URN] }))(stored)],
    ['replace with null unassigns', [{ op: 'replace', path: 'displayName', value: null }], (({ displayName: _, ...rest }) => rest)(stored)],
    ['an extension block in a pathless value', [{ op: 'replace', value: { [ENTERPRISE_USER_URN]: { costCenter: '7' } } }], { ...stored, [ENTERPRISE_USER_URN]: { costCenter: '7', department: 'Math' } }],
    ['later operations see earlier ones', [{ op: 'add', path: 'title', value: 'A' }, { op: 'remove', path: 'title' }], stored],
  ];
  it.each(cases)('%s', (_label, operations, expected) => {
    expect(patch(...operations)).toEqual(expected);
  });

  const refusals: Array<[string, Record<string, unknown>[], string]> = [
    ['remove without a path', [{ op: 'remove' }], 'noTarget'],
    ['a pathless add whose value is not an object', [{ op: 'add', value: 'x' }], 'invalidValue'],
    ['an unknown attribute', [{ op: 'replace', path: 'shoeSize', value: 44 }], 'invalidPath'],
    ['an unknown sub-attribute', [{ op: 'replace', path: 'name.nickname', value: 'x' }], 'invalidPath'],
    ['an unparsable path', [{ op: 'replace', path: 'emails[type eq', value: 'x' }], 'invalidPath'],
    ['a filter on a single-valued attribute', [{ op: 'replace', path: 'name[givenName eq "Ada"]', value: {} }], 'invalidPath'],
    ['a filter on an unknown sub-attribute', [{ op: 'replace', path: 'emails[kind eq "work"].value', value: 'x' }], 'invalidFilter'],
    ['a filter that cannot describe a new element', [{ op: 'replace', path: 'emails[value co "@work"].type', value: 'work' }], 'noTarget'],
    ['a readOnly attribute', [{ op: 'replace', path: 'groups', value: [] }], 'mutability'],
    ['a readOnly sub-attribute', [{ op: 'replace', path: 'manager.displayName', value: 'Boss' }], 'mutability'],
    ['id by path', [{ op: 'replace', path: 'id', value: 'u-1' }], 'mutability'],
    ['meta in a pathless value', [{ op: 'replace', value: { meta: {} } }], 'mutability'],
    ['removing userName', [{ op: 'remove', path: 'userName' }], 'mutability'],
    ['replacing userName with an empty string', [{ op: 'replace', path: 'userName', value: '' }], 'invalidValue'],
    ['a wrong type', [{ op: 'replace', path: 'active', value: 'maybe' }], 'invalidValue'],
    ['a role outside the catalog', [{ op: 'add', path: 'roles', value: 'root' }], 'invalidValue'],
    ['an unknown URN block with attributes', [{ op: 'add', value: { 'urn:example:ext:1.0:User': { a: 1 } } }], 'invalidValue'],
    ['two values for a single-valued attribute', [{ op: 'replace', path: 'title', value: ['a', 'b'] }], 'invalidValue'],
    ['a filtered write without sub-attribute given a list', [{ op: 'add', path: 'emails[type eq "work"]', value: [{ value: 'a' }, { value: 'b' }] }], 'invalidValue'],
  ];
  it.each(refusals)('refuses %s', (_label, operations, scimType) => {
    const error = patchError(...operations);
    expect([error.status, error.scimType]).toEqual([400, scimType]);
  });

  it('is atomic: a failing later operation leaves nothing applied', () => {
    expect(() => patch({ op: 'replace', path: 'title', value: 'CTO' }, { op: 'remove', path: 'userName' })).toThrow(ScimError);
  });

  it('keeps roles the catalog has since dropped, but not new ones', () => {
    const narrowed = { tenantRoles: ['admin'] };
    expect(applyPatch(USER_RESOURCE_TYPE, current, ops({ op: 'replace', value: { active: false } }), narrowed).roles).toEqual([{ value: 'viewer' }]);
    expect(() => applyPatch(USER_RESOURCE_TYPE, current, ops({ op: 'add', path: 'roles', value: 'editor' }), narrowed)).toThrow(/allowed values: admin/);
  });

  it('refuses to touch Group members, which must be split out first', () => {
    const group = { schemas: [GROUP_URN], id: 'g-1', displayName: 'Eng' };
    expect(applyPatch(GROUP_RESOURCE_TYPE, group, ops({ op: 'replace', value: { id: 'g-1', displayName: 'Engineering' } }), options)).toEqual({ schemas: [GROUP_URN], displayName: 'Engineering' });
    expect(() => applyPatch(GROUP_RESOURCE_TYPE, group, ops({ op: 'add', path: 'members', value: [{ value: 'u-1' }] }), options)).toThrow(/split out/);
  });
});

describe('applyPatch: immutable attributes (RFC 7643 §7)', () => {
  const badgeType: ResourceTypeDefinition = {
    ...USER_RESOURCE_TYPE,
    schema: {
      ...USER_RESOURCE_TYPE.schema,
      attributes: [...USER_RESOURCE_TYPE.schema.attributes, attr('badge', 'string', 'x', { mutability: 'immutable' }), complex('desk', 'x', [attr('number', 'string', 'x', { mutability: 'immutable' })])],
    },
  };
  const run = (resource: Record<string, unknown>, operation: Record<string, unknown>) => applyPatch(badgeType, resource, ops(operation), options);

  it('may be set while unassigned, and re-set to the same value', () => {
    const withBadge = run(stored, { op: 'add', path: 'badge', value: 'B-7' });
    expect(withBadge.badge).toBe('B-7');
    expect(run(withBadge, { op: 'replace', path: 'badge', value: 'B-7' }).badge).toBe('B-7');
    expect(run(stored, { op: 'add', path: 'desk.number', value: '12' }).desk).toEqual({ number: '12' });
  });

  it('may not change or go once set', () => {
    const withBadge = { ...stored, badge: 'B-7', desk: { number: '12' } };
    for (const operation of [
      { op: 'replace', path: 'badge', value: 'B-8' },
      { op: 'remove', path: 'badge' },
      { op: 'replace', path: 'desk', value: { number: '13' } },
      { op: 'remove', path: 'desk.number' },
    ]) {
      expect(() => run(withBadge, operation)).toThrow(expect.objectContaining({ scimType: 'mutability' }));
    }
  });
});
