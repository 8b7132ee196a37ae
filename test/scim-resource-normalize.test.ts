import { describe, expect, it } from 'vitest';
import { normalizeResource } from '../src/scim/model/normalize.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import { ENTERPRISE_USER_URN, ENTRA_GROUP_URN, GROUP_URN, USER_URN } from '../src/scim/schema/urns.ts';
import { scimErrorOf, TENANT_ROLES } from './support/scim-resources.ts';

const roles = TENANT_ROLES;
const user = (body: Record<string, unknown>) => normalizeResource(USER_RESOURCE_TYPE, { schemas: [USER_URN], userName: 'ada@example.com', ...body }, roles);

describe('normalizeResource: Okta and Entra bodies', () => {
  it("stores Okta's POST /Users body without password, groups or unknown attributes", () => {
    const data = normalizeResource(
      USER_RESOURCE_TYPE,
      {
        schemas: [USER_URN],
        userName: 'isaac.brock@example.com',
        name: { givenName: 'Isaac', familyName: 'Brock' },
        emails: [{ primary: true, value: 'isaac.brock@example.com', type: 'work' }],
        displayName: 'Isaac Brock',
        locale: 'en-US',
        externalId: '00ujl29u0le5T6Aj10h7',
        groups: [],
        password: '1mz050nq',
        active: true,
      },
      roles,
    );
    expect(data).toEqual({
      schemas: [USER_URN],
      externalId: '00ujl29u0le5T6Aj10h7',
      userName: 'isaac.brock@example.com',
      name: { familyName: 'Brock', givenName: 'Isaac' },
      displayName: 'Isaac Brock',
      locale: 'en-US',
      active: true,
      emails: [{ value: 'isaac.brock@example.com', type: 'work', primary: true }],
    });
    expect(JSON.stringify(data)).not.toContain('1mz050nq');
  });

  it("ignores Okta's PUT echo of id, meta and groups and treats \"\" sub-attributes as unassigned", () => {
    const data = user({
      id: '23a35c27-23d3-4c03-b4c5-6443c09e7173',
      meta: { resourceType: 'User', created: '2024-01-01T00:00:00Z' },
      groups: [{ value: 'g1', display: 'Eng' }],
      name: { givenName: 'Ada', familyName: '', middleName: '' },
      active: false,
    });
    expect(data).toEqual({ schemas: [USER_URN], userName: 'ada@example.com', name: { givenName: 'Ada' }, active: false });
  });

  it("reads Entra's string booleans, also nested, and its nulls as unassigned", () => {
    const data = user({ active: 'False', title: null, emails: [{ value: 'a@x.io', type: 'work', primary: 'True' }] });
    expect(data.active).toBe(false);
    expect(data).not.toHaveProperty('title');
    expect(data.emails).toEqual([{ value: 'a@x.io', type: 'work', primary: true }]);
    expect(user({ active: 'tRuE' }).active).toBe(true);
  });

  it('accepts attribute names in any case and stores them canonically', () => {
    const data = user({ USERNAME: 'ADA@example.com', NAME: { GIVENNAME: 'Ada' }, DisplayName: 'Ada' });
    expect(data).toEqual({ schemas: [USER_URN], userName: 'ADA@example.com', name: { givenName: 'Ada' }, displayName: 'Ada' });
  });

  it('keeps the enterprise extension under its URN, drops manager.displayName, and lists the URN in schemas', () => {
    const data = normalizeResource(
      USER_RESOURCE_TYPE,
      {
        schemas: [USER_URN, ENTERPRISE_USER_URN],
        userName: 'bob',
        [ENTERPRISE_USER_URN]: { employeeNumber: '701984', Department: 'Tour Operations', manager: { value: 'm-1', displayName: 'Boss' } },
      },
      roles,
    );
    expect(data).toEqual({
      schemas: [USER_URN, ENTERPRISE_USER_URN],
      userName: 'bob',
      [ENTERPRISE_USER_URN]: { employeeNumber: '701984', department: 'Tour Operations', manager: { value: 'm-1' } },
    });
  });

  it('takes URN-qualified attribute keys and an extension block not listed in schemas', () => {
    const data = user({ [`${ENTERPRISE_USER_URN}:costCenter`]: '4130', [`${USER_URN}:title`]: 'CTO' });
    expect(data).toEqual({ schemas: [USER_URN, ENTERPRISE_USER_URN], userName: 'ada@example.com', title: 'CTO', [ENTERPRISE_USER_URN]: { costCenter: '4130' } });
  });

  it('drops an extension URN from schemas when no attribute of it is present', () => {
    const data = normalizeResource(USER_RESOURCE_TYPE, { schemas: [USER_URN, ENTERPRISE_USER_URN, 'urn:example:unknown:1.0'], userName: 'c' }, roles);
    expect(data.schemas).toEqual([USER_URN]);
  });

  it('refuses an unknown extension URN that carries attributes, naming the supported ones', () => {
    const error = scimErrorOf(() => user({ 'urn:example:params:scim:schemas:extension:acme:1.0:User': { badge: '42' } }));
    expect([error.status, error.scimType]).toEqual([400, 'invalidValue']);
    expect(error.message).toContain(ENTERPRISE_USER_URN);
    expect(user({ 'urn:example:params:scim:schemas:extension:acme:1.0:User': null })).not.toHaveProperty('urn:example:params:scim:schemas:extension:acme:1.0:User');
  });

  it("accepts Entra's extra Group schema without echoing it, and never stores members", () => {
    const data = normalizeResource(
      GROUP_RESOURCE_TYPE,
      { schemas: [GROUP_URN, ENTRA_GROUP_URN], displayName: 'Eng', externalId: 'e-1', members: [{ value: 'u1' }], [ENTRA_GROUP_URN]: { x: 1 } },
      roles,
    );
    expect(data).toEqual({ schemas: [GROUP_URN], externalId: 'e-1', displayName: 'Eng' });
  });

  it('wraps a single value given for a multi-valued attribute, and bare strings as {value}', () => {
    expect(user({ emails: { value: 'a@x.io' } }).emails).toEqual([{ value: 'a@x.io' }]);
    expect(user({ emails: 'a@x.io' }).emails).toEqual([{ value: 'a@x.io' }]);
  });

  it('unwraps Entra one-element arrays for single-valued attributes', () => {
    expect(user({ displayName: [{ value: 'Ada L' }] }).displayName).toBe('Ada L');
    expect(user({ name: [{ givenName: 'Ada' }] }).name).toEqual({ givenName: 'Ada' });
  });

  it('keeps the first primary element and demotes the rest', () => {
    const data = user({ emails: [{ value: 'a@x.io', primary: true }, { value: 'b@x.io', primary: 'True' }] });
    expect(data.emails).toEqual([
      { value: 'a@x.io', primary: true },
      { value: 'b@x.io', primary: false },
    ]);
  });

  it('stores identical elements once and [] as unassigned', () => {
    expect(user({ emails: [{ value: 'a@x.io' }, { value: 'a@x.io' }] }).emails).toEqual([{ value: 'a@x.io' }]);
    expect(user({ emails: [] })).not.toHaveProperty('emails');
  });

  it('does not trim values', () => {
    expect(user({ userName: ' ada ', displayName: 'Ada ' })).toMatchObject({ userName: ' ada ', displayName: 'Ada ' });
  });
});

describe('normalizeResource: roles (interop decision 7)', () => {
  it('accepts a plain string, an array of strings or {value} objects, in the catalog spelling', () => {
    expect(user({ roles: 'admin' }).roles).toEqual([{ value: 'admin' }]);
    expect(user({ roles: ['Admin', 'viewer', 'admin'] }).roles).toEqual([{ value: 'admin' }, { value: 'viewer' }]);
    expect(user({ roles: [{ value: 'editor', primary: 'True', type: 'WindowsAzureActiveDirectoryRole' }] }).roles).toEqual([
      { value: 'editor', type: 'WindowsAzureActiveDirectoryRole', primary: true },
    ]);
  });

  it('refuses a role outside the catalog with the allowed values in detail', () => {
    const error = scimErrorOf(() => user({ roles: ['superuser'] }));
    expect([error.status, error.scimType]).toEqual([400, 'invalidValue']);
    expect(error.message).toContain('owner, admin, editor, viewer');
    expect(scimErrorOf(() => user({ roles: [{ display: 'Admin' }] })).scimType).toBe('invalidValue');
  });
});

describe('normalizeResource: refusals', () => {
  const cases: Array<[string, unknown, number, string]> = [
    ['a body that is not an object', ['x'], 400, 'invalidSyntax'],
    ['a body without schemas', { userName: 'x' }, 400, 'invalidSyntax'],
    ['schemas that are not strings', { schemas: [1], userName: 'x' }, 400, 'invalidSyntax'],
    ['schemas without the core URN', { schemas: [GROUP_URN], userName: 'x' }, 400, 'invalidValue'],
    ['no userName', { schemas: [USER_URN] }, 400, 'invalidValue'],
    ['an empty userName', { schemas: [USER_URN], userName: '' }, 400, 'invalidValue'],
    ['a blank userName', { schemas: [USER_URN], userName: '   ' }, 400, 'invalidValue'],
    ['a numeric userName', { schemas: [USER_URN], userName: 42 }, 400, 'invalidValue'],
    ['a non-boolean active', { schemas: [USER_URN], userName: 'x', active: 'yes' }, 400, 'invalidValue'],
    ['a string for a complex attribute', { schemas: [USER_URN], userName: 'x', name: 'Ada' }, 400, 'invalidValue'],
    ['two values for a single-valued attribute', { schemas: [USER_URN], userName: 'x', title: ['a', 'b'] }, 400, 'invalidValue'],
    ['a non-string email value', { schemas: [USER_URN], userName: 'x', emails: [{ value: 7 }] }, 400, 'invalidValue'],
    ['a non-object enterprise block', { schemas: [USER_URN], userName: 'x', [ENTERPRISE_USER_URN]: 'x' }, 400, 'invalidValue'],
  ];
  it.each(cases)('refuses %s', (_label, body, status, scimType) => {
    const error = scimErrorOf(() => normalizeResource(USER_RESOURCE_TYPE, body, roles));
    expect([error.status, error.scimType]).toEqual([status, scimType]);
  });

  it('requires a Group displayName', () => {
    expect(scimErrorOf(() => normalizeResource(GROUP_RESOURCE_TYPE, { schemas: [GROUP_URN], displayName: null }, roles)).scimType).toBe('invalidValue');
  });
});
