import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError, type ScimType } from '../src/http/errors.ts';
import { applyPatch, type PatchOperation } from '../src/scim/patch/apply.ts';
import { splitMemberOperations } from '../src/scim/patch/members.ts';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import { normalizeResource } from '../src/scim/model/normalize.ts';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';
import { ENTERPRISE_USER_URN, GROUP_URN, PATCH_OP_URN, USER_URN } from '../src/scim/schema/urns.ts';
import { ADA_DATA, TENANT_ROLES } from './support/scim-resources.ts';

const options = TENANT_ROLES;
const SCIM_TYPES: ScimType[] = ['invalidFilter', 'tooMany', 'uniqueness', 'mutability', 'invalidSyntax', 'invalidPath', 'noTarget', 'invalidValue', 'invalidVers', 'sensitive'];

const user = { ...ADA_DATA, id: 'u-1', roles: [{ value: 'admin' }], groups: [{ value: 'g-1' }], meta: { resourceType: 'User' } };
const group = { schemas: [GROUP_URN], id: 'g-1', displayName: 'Eng', externalId: 'e-1', members: [{ value: 'u-1' }] };

const userPaths = [
  'userName', 'USERNAME', 'displayName', 'title', 'active', 'name', 'name.givenName', 'name.middleName', 'emails', 'emails.value',
  'emails[type eq "work"]', 'emails[type eq "work"].value', 'emails[type eq "other" and primary eq true].value', 'emails[value co "@"].type',
  'phoneNumbers[type eq "mobile"].value', 'addresses[type eq "work"].locality', 'roles', 'roles[value eq "admin"]', 'groups', 'id', 'meta',
  'password', 'externalId', 'manager', 'manager.value', 'manager.displayName', `${ENTERPRISE_USER_URN}:employeeNumber`,
  `${ENTERPRISE_USER_URN}:manager.value`, `${USER_URN}:nickName`, 'x509Certificates', 'shoeSize', 'emails[', 'name.x.y', 'emails[type eq "work"].bogus',
];
const groupPaths = ['displayName', 'externalId', 'members', 'members[value eq "u-1"]', 'members[display eq "x"]', 'id', `${GROUP_URN}:displayName`, 'meta.version', 'bogus'];

const scalar = fc.oneof(
  fc.constantFrom('x', '', 'True', 'false', 'admin', 'viewer', 'root', 'u-1', 'ada@example.com', '  '),
  fc.string({ maxLength: 6 }),
  fc.boolean(),
  fc.integer(),
  fc.constant(null),
);
const element = fc.dictionary(fc.constantFrom('value', 'type', 'primary', 'display', '$ref', 'givenName', 'Value', 'TYPE', 'bogus'), scalar, { maxKeys: 3 });

function operation(paths: string[]): fc.Arbitrary<Record<string, unknown>> {
  const value = fc.oneof(
    scalar,
    element,
    fc.array(fc.oneof(element, scalar), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...paths, ENTERPRISE_USER_URN, 'schemas'), fc.oneof(scalar, element, fc.array(element, { maxLength: 2 })), { maxKeys: 3 }),
  );
  return fc.record(
    { op: fc.constantFrom('add', 'replace', 'remove', 'Add', 'Replace', 'Remove'), path: fc.constantFrom(...paths), value },
    { requiredKeys: ['op'] },
  );
}

function checkOutcome(resourceType: ResourceTypeDefinition, current: Record<string, unknown>, operations: PatchOperation[]): void {
  const before = JSON.stringify(current);
  let result;
  try {
    result = applyPatch(resourceType, current, operations, options);
  } catch (error) {
    expect(error).toBeInstanceOf(ScimError);
    const { status, scimType } = error as ScimError;
    expect(status >= 400 && status < 500).toBe(true);
    expect(SCIM_TYPES).toContain(scimType);
    return;
  } finally {
    expect(JSON.stringify(current)).toBe(before);
  }
  expect(normalizeResource(resourceType, result, options)).toEqual(result);
  expect(result).not.toHaveProperty('password');
  expect(result).not.toHaveProperty('id');
}

const parse = (operations: Array<Record<string, unknown>>) => patchRequestSchema.parse({ schemas: [PATCH_OP_URN], Operations: operations }).Operations;

describe('normalizeResource properties', () => {
  it('is idempotent on any body it accepts', () => {
    const body = fc.dictionary(fc.constantFrom(...userPaths.filter((p) => !p.includes('[') && !p.includes('.')), 'emails', 'addresses', ENTERPRISE_USER_URN), fc.oneof(scalar, element, fc.array(fc.oneof(element, scalar), { maxLength: 3 })), { maxKeys: 6 });
    fc.assert(
      fc.property(body, (attributes) => {
        let data;
        try {
          data = normalizeResource(USER_RESOURCE_TYPE, { schemas: [USER_URN], userName: 'x', ...attributes }, options);
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          return;
        }
        expect(normalizeResource(USER_RESOURCE_TYPE, data, options)).toEqual(data);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('applyPatch properties', () => {
  it('any PATCH of a user either fails with a 4xx ScimError or yields data that normalizes to itself', () => {
    fc.assert(
      fc.property(fc.array(operation(userPaths), { minLength: 1, maxLength: 4 }), (operations) => {
        checkOutcome(USER_RESOURCE_TYPE, user, parse(operations));
      }),
      { numRuns: 1500 },
    );
  });

  it('the same holds for groups once member operations are split out', () => {
    fc.assert(
      fc.property(fc.array(operation(groupPaths), { minLength: 1, maxLength: 4 }), (operations) => {
        let rest: PatchOperation[];
        try {
          rest = splitMemberOperations(parse(operations)).rest;
        } catch (error) {
          expect(error).toBeInstanceOf(ScimError);
          expect((error as ScimError).status).toBe(400);
          return;
        }
        checkOutcome(GROUP_RESOURCE_TYPE, group, rest);
      }),
      { numRuns: 500 },
    );
  });
});
