import { describe, expect, it } from 'vitest';
import { ScimError } from '../src/http/errors.ts';
import { bodyMemberIds } from '../src/scim/model/members.ts';
import { splitMemberOperations } from '../src/scim/patch/members.ts';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import { GROUP_URN, PATCH_OP_URN } from '../src/scim/schema/urns.ts';

const split = (...operations: Array<Record<string, unknown>>) => splitMemberOperations(patchRequestSchema.parse({ schemas: [PATCH_OP_URN], Operations: operations }).Operations);

describe('splitMemberOperations', () => {
  it("folds Okta's mixed remove-by-filter and add in one request", () => {
    expect(
      split(
        { op: 'remove', path: 'members[value eq "u-1"]' },
        { op: 'add', path: 'members', value: [{ value: 'u-2', display: 'Bob' }, { value: 'u-3', display: 'Cy' }] },
      ),
    ).toEqual({ memberChanges: { add: ['u-2', 'u-3'], remove: ['u-1'] }, rest: [] });
  });

  it("reads Okta's full replace, with $ref null", () => {
    expect(split({ op: 'replace', path: 'members', value: [{ value: 'u-1', $ref: null, display: 'A' }] }).memberChanges).toEqual({ add: [], remove: [], replaceAll: ['u-1'] });
  });

  it("reads Okta's pathless replace with members: [] as 'no members' and keeps the rest for applyPatch", () => {
    expect(split({ op: 'replace', value: { id: 'g-1', displayName: 'Eng', members: [] } })).toEqual({
      memberChanges: { add: [], remove: [], replaceAll: [] },
      rest: [{ op: 'replace', value: { id: 'g-1', displayName: 'Eng' } }],
    });
  });

  it("removes only the listed members for Entra's Remove with a value list", () => {
    expect(split({ op: 'Remove', path: 'members', value: [{ value: 'u-1' }, { value: 'u-2' }] }).memberChanges).toEqual({ add: [], remove: ['u-1', 'u-2'] });
  });

  it('clears for remove members with neither filter nor value', () => {
    expect(split({ op: 'remove', path: 'members' }).memberChanges).toEqual({ add: [], remove: [], replaceAll: [] });
  });

  it('keeps the meaning of the order: later operations win', () => {
    expect(split({ op: 'add', path: 'members', value: [{ value: 'a' }] }, { op: 'remove', path: 'members[value eq "a"]' }).memberChanges).toEqual({ add: [], remove: ['a'] });
    expect(split({ op: 'remove', path: 'members[value eq "a"]' }, { op: 'Add', path: 'Members', value: { value: 'a' } }).memberChanges).toEqual({ add: ['a'], remove: [] });
    expect(
      split(
        { op: 'replace', path: 'members', value: [{ value: 'a' }, { value: 'b' }] },
        { op: 'remove', path: 'members[value eq "a" or value eq "z"]' },
        { op: 'add', path: 'members', value: [{ value: 'c' }, { value: 'b' }] },
      ).memberChanges,
    ).toEqual({ add: [], remove: [], replaceAll: ['b', 'c'] });
  });

  it('recognises URN-qualified and pathless add members, and leaves other operations alone', () => {
    const other = { op: 'replace', path: 'displayName', value: 'Eng' };
    expect(split(other, { op: 'add', path: `${GROUP_URN}:members`, value: [{ value: 'a' }] }, { op: 'add', value: { members: [{ value: 'b' }] } })).toEqual({
      memberChanges: { add: ['a', 'b'], remove: [] },
      rest: [other],
    });
  });

  const refusals: Array<[string, Record<string, unknown>, string]> = [
    ['a member without an id', { op: 'add', path: 'members', value: [{ display: 'x' }] }, 'invalidValue'],
    ['a filter not by value', { op: 'remove', path: 'members[display eq "x"]' }, 'invalidFilter'],
    ['a filtered add', { op: 'add', path: 'members[value eq "x"]', value: { value: 'y' } }, 'invalidPath'],
    ["a member's sub-attribute", { op: 'replace', path: 'members[value eq "x"].display', value: 'y' }, 'mutability'],
  ];
  it.each(refusals)('refuses %s', (_label, operation, scimType) => {
    expect(() => split(operation)).toThrow(expect.objectContaining({ status: 400, scimType }));
    expect(() => split(operation)).toThrow(ScimError);
  });
});

describe('bodyMemberIds', () => {
  it('reads members from POST/PUT bodies: absent, null, objects, bare ids', () => {
    expect(bodyMemberIds({ displayName: 'x' })).toBeUndefined();
    expect(bodyMemberIds({ members: null })).toEqual([]);
    expect(bodyMemberIds({ Members: [{ value: 'a', display: 'A' }, 'b', { value: 'a' }] })).toEqual(['a', 'b']);
    expect(() => bodyMemberIds({ members: [{ value: '' }] })).toThrow(expect.objectContaining({ scimType: 'invalidValue' }));
  });
});
