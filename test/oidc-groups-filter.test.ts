/**
 * The groups filter parser: what Okta admins write is accepted, anything that could leave its
 * anchors or backtrack without bound is refused with the reason, and accepted filters match
 * whole names only.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { groupsFilterMatcher, groupsFilterProblem, MAX_MATCHED_NAME } from '../src/oidc/groups-filter.ts';

describe('groupsFilterProblem', () => {
  it.each(['.*', 'App-.*', 'Acme (Admins|Users)', 'Eng.*|Sales.*', '[A-Z][a-z]+ Team', 'Team \\(EU\\)', 'a{2,3}', 'x*?y', '(?:Admins)', 'Ops-[0-9]{1,3}'])('accepts %j', (filter) => {
    expect(groupsFilterProblem(filter)).toBeUndefined();
  });

  it.each([
    ['a)|(.*', /not a valid regular expression/],
    ['.*)|(', /not a valid regular expression/],
    ['(a+)+', /repeats a group/],
    ['(a*)*b', /repeats a group/],
    ['(a|aa)+', /repeats a group/],
    ['((ab)*c)+', /repeats a group/],
    ['(?:x+)*', /repeats a group/],
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /backreference/],
    ['.*.*.*.*', /4 quantifiers; at most 3/],
    ['x'.repeat(201), /longer than 200/],
    ['[', /not a valid regular expression/],
  ] as const)('refuses %j', (filter, reason) => {
    expect(groupsFilterProblem(filter)).toMatch(reason);
  });
});

describe('groupsFilterMatcher', () => {
  it('matches whole names only, and no name longer than the limit', () => {
    const matches = groupsFilterMatcher('Eng.*|Sales');
    expect(['Engineering', 'Sales'].map(matches)).toEqual([true, true]);
    expect(['Pre-Sales', 'Sales Team', 'Old Engineering'].map(matches)).toEqual([false, false, false]);
    expect(groupsFilterMatcher('.*')('a'.repeat(MAX_MATCHED_NAME + 1))).toBe(false);
  });

  it('finishes on adversarial names for every filter it accepts (random, seeded)', () => {
    const piece = fc.constantFrom('a', 'b', '.', '*', '+', '?', '(', ')', '|', '[ab]', '{1,3}', '\\', 'a*', '(a', ')+', '^', '$');
    const filters = fc.array(piece, { minLength: 1, maxLength: 10 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(filters, (filter) => {
        if (groupsFilterProblem(filter) !== undefined) return;
        const matches = groupsFilterMatcher(filter);
        // The classic backtracking bait: a long run of one letter ending in a mismatch.
        for (const name of ['a'.repeat(MAX_MATCHED_NAME - 1) + '!', 'ab'.repeat(MAX_MATCHED_NAME / 2 - 1) + '!']) expect(typeof matches(name)).toBe('boolean');
      }),
      { seed: 64, numRuns: 2000 },
    );
  });
});
