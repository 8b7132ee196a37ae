import { describe, expect, it } from 'vitest';
import type { CompareOp, Filter, Literal, PatchPath } from '../src/scim/filter/ast.ts';
import { compileMatcher } from '../src/scim/filter/evaluate.ts';
import { parsePatchPath } from '../src/scim/filter/parser.ts';
import { printPatchPath } from '../src/scim/filter/print.ts';
import { elementResolver } from '../src/scim/filter/resolve.ts';
import { findAttribute, GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const cmp = (name: string, op: CompareOp, value: Literal): Filter => ({ kind: 'compare', path: { name }, op, value });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });

describe('parsePatchPath', () => {
  const paths: [string, PatchPath][] = [
    ['userName', { attr: { name: 'userName' } }],
    ['name.givenName', { attr: { name: 'name', subAttr: 'givenName' } }],
    ['members', { attr: { name: 'members' } }],
    ['members[value eq "2819c223-7f76-453a-919d-413861904646"]', { attr: { name: 'members' }, valueFilter: cmp('value', 'eq', '2819c223-7f76-453a-919d-413861904646') }],
    ['emails[type eq "work"].value', { attr: { name: 'emails' }, valueFilter: cmp('type', 'eq', 'work'), subAttr: 'value' }],
    ['addresses[type eq "work" and primary eq true].streetAddress', {
      attr: { name: 'addresses' },
      valueFilter: and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)),
      subAttr: 'streetAddress',
    }],
    [`${ENTERPRISE}:employeeNumber`, { attr: { uri: ENTERPRISE, name: 'employeeNumber' } }],
    [`${ENTERPRISE}:manager.value`, { attr: { uri: ENTERPRISE, name: 'manager', subAttr: 'value' } }],
    [`${ENTERPRISE}:manager`, { attr: { uri: ENTERPRISE, name: 'manager' } }],
    ['  emails[type eq work]  ', { attr: { name: 'emails' }, valueFilter: cmp('type', 'eq', 'work') }],
  ];

  it.each(paths)('parses %s', (text, expected) => {
    expect(parsePatchPath(text)).toEqual(expected);
    expect(parsePatchPath(printPatchPath(expected))).toEqual(expected);
  });

  const bad: [string, RegExp][] = [
    ['', /position 1: expected an attribute name/],
    ['name givenName', /position 6: expected the end of the input/],
    ['members[value eq "x"', /position 21: expected "\]"/],
    ['members[value eq]', /position 17: expected a value/],
    ['emails[type eq "work"].', /position 24: expected a sub-attribute/],
    ['emails[type eq "work"].value.x', /position 24: "value\.x" is not a valid attribute path/],
    ['a.b.c', /more than one sub-attribute/],
    ['name.givenName[value pr]', /must follow a multi-valued attribute/],
  ];

  it.each(bad)('rejects %j as invalidPath', (text, message) => {
    expect(() => parsePatchPath(text)).toThrow(message);
    expect(() => parsePatchPath(text)).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidPath' }));
  });
});

/** The elements the PATCH path's filter selects, bound once as the PATCH engine binds it (errors before any data). */
function selected(resourceType: ResourceTypeDefinition, pathText: string, elements: Record<string, unknown>[]): number[] {
  const path = parsePatchPath(pathText);
  const parent = findAttribute(resourceType, path.attr)!;
  const matches = compileMatcher(path.valueFilter!, elementResolver(parent));
  return elements.flatMap((element, index) => (matches(element) ? [index] : []));
}

describe('PATCH value filters select elements', () => {
  const emails = [
    { value: 'Babs@Jensen.org', type: 'Home' },
    { value: 'bjensen@example.com', type: 'work', primary: true },
    { value: 'b@work.example', type: 'WORK' },
    { value: 'nobody@example.com' },
  ];

  const cases: [string, number[]][] = [
    ['emails[type eq "work"]', [1, 2]],
    ['emails[type eq "work" and primary eq true]', [1]],
    ['emails[type eq "work" and not (primary eq true)]', [2]],
    ['emails[primary ne true]', [0, 2, 3]],
    ['emails[value eq "babs@jensen.org"]', [0]],
    ['emails[value ew "example.com"]', [1, 3]],
    ['emails[type pr]', [0, 1, 2]],
    ['emails[not (type pr)]', [3]],
    ['emails[type eq "work"].value', [1, 2]],
    ['emails[TYPE Eq "home" or Value sw "NOBODY"]', [0, 3]],
  ];

  it.each(cases)('%s selects elements %j', (path, expected) => {
    expect(selected(USER_RESOURCE_TYPE, path, emails)).toEqual(expected);
  });

  it('compares member ids case-insensitively (members.value is caseExact=false)', () => {
    const members = [{ value: '2819c223-7f76-453a-919d-413861904646' }, { value: '902c246b-6245-4190-8e05-00816be7344a' }];
    expect(selected(GROUP_RESOURCE_TYPE, 'members[value eq "2819C223-7F76-453A-919D-413861904646"]', members)).toEqual([0]);
    expect(selected(GROUP_RESOURCE_TYPE, 'members[value ne "2819c223-7f76-453a-919d-413861904646"]', members)).toEqual([1]);
  });

  it('reads sub-attributes by any case and booleans sent as strings (Entra)', () => {
    const addresses = [{ Type: 'work', PRIMARY: true, streetAddress: '1 Main St' }, { type: 'home', primary: false }];
    expect(selected(USER_RESOURCE_TYPE, 'addresses[type eq "work" and primary eq "True"].streetAddress', addresses)).toEqual([0]);
  });

  const refused: [string, RegExp][] = [
    ['emails[nosuch eq "x"]', /"nosuch": no such attribute/],
    ['emails[primary gt true]', /"gt" does not apply to a boolean/],
    ['emails[primary eq "maybe"]', /boolean/],
    ['x509Certificates[value eq "AAAA"]', /binary/],
    ['emails[value.x eq "y"]', /no such attribute/],
  ];

  it.each(refused)('%s is 400 invalidFilter when bound', (path, message) => {
    expect(() => selected(USER_RESOURCE_TYPE, path, [])).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidFilter', message: expect.stringMatching(message) }));
  });
});
