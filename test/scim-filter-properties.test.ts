import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ScimError } from '../src/http/errors.ts';
import type { CompareOp, Filter, Literal, PatchPath } from '../src/scim/filter/ast.ts';
import type { AttrPath } from '../src/scim/schema/types.ts';
import { MAX_FILTER_LENGTH, parseFilter, parsePatchPath } from '../src/scim/filter/parser.ts';
import { printFilter, printPatchPath } from '../src/scim/filter/print.ts';

// `not` is a keyword wherever something other than an operator follows it; real schemas never use it.
const attrName = fc.oneof(
  fc.constantFrom('userName', 'emails', 'value', 'type', 'and', 'or', 'pr', 'eq', 'true', 'null', '$ref', 'x509Certificates'),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,8}$/).filter((name) => name.toLowerCase() !== 'not'),
);
const urn = fc.oneof(
  fc.constantFrom('urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
  fc.array(fc.stringMatching(/^[A-Za-z0-9.-]{1,6}$/), { minLength: 1, maxLength: 4 }).map((parts) => `urn:${parts.join(':')}`),
);
const attrPath = (withSubAttr: boolean): fc.Arbitrary<AttrPath> =>
  fc.record({ uri: urn, name: attrName, subAttr: withSubAttr ? attrName : fc.constant(undefined) }, { requiredKeys: ['name'] }).map((p) => {
    const path: AttrPath = { name: p.name };
    if (p.uri !== undefined) path.uri = p.uri;
    if (p.subAttr !== undefined) path.subAttr = p.subAttr;
    return path;
  });
const literal: fc.Arbitrary<Literal> = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.string({ maxLength: 12 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const compareOp = fc.constantFrom<CompareOp>('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le');

/** Arbitrary filter trees; `inBrackets` trees have no value paths (they cannot nest). */
function filterTree(inBrackets: boolean): fc.Arbitrary<Filter> {
  return fc.letrec<{ filter: Filter }>((tie) => {
    const leaves: fc.Arbitrary<Filter>[] = [
      fc.record({ kind: fc.constant('compare' as const), path: attrPath(true), op: compareOp, value: literal }),
      fc.record({ kind: fc.constant('present' as const), path: attrPath(true) }),
    ];
    if (!inBrackets) {
      leaves.push(fc.record({ kind: fc.constant('valuePath' as const), path: attrPath(false), filter: filterTree(true) }));
    }
    return {
      filter: fc.oneof(
        { depthSize: 'small', maxDepth: 6 },
        ...leaves,
        fc.record({ kind: fc.constant('and' as const), left: tie('filter'), right: tie('filter') }),
        fc.record({ kind: fc.constant('or' as const), left: tie('filter'), right: tie('filter') }),
        fc.record({ kind: fc.constant('not' as const), filter: tie('filter') }),
      ),
    };
  }).filter;
}

const patchPath: fc.Arbitrary<PatchPath> = fc.oneof(
  attrPath(true).map((attr) => ({ attr })),
  fc.record({ attr: attrPath(false), valueFilter: filterTree(true) }),
  fc.record({ attr: attrPath(false), valueFilter: filterTree(true), subAttr: attrName }),
);

/** Parses, and accepts only success or the parser's own 400 error type (a parse that hung would time the test out). */
function parsesOrRejects(parse: (text: string) => unknown, scimType: string, text: string): void {
  try {
    parse(text);
  } catch (error) {
    if (!(error instanceof ScimError) || error.status !== 400 || error.scimType !== scimType) throw error;
  }
}

const FILTER_PIECES = ['(', ')', '[', ']', '"', '\\', '\\u', '\\"', '.', ':', ' ', '\t', 'and', 'or', 'not', 'eq', 'pr', 'co', 'userName', 'emails', 'urn:', '1', '-', 'e', 'true', 'null', '$ref', 'é', '😀', '\u0000'];
const filterish = fc.array(fc.constantFrom(...FILTER_PIECES), { maxLength: 60 }).map((pieces) => pieces.join(''));
const hostile = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme' }), filterish);

/** For every generated value: its printed text (within the length limit) parses back to it, and prints as itself again. */
function roundTrips<T>(values: fc.Arbitrary<T>, print: (value: T) => string, parse: (text: string) => T, numRuns: number): void {
  fc.assert(
    fc.property(values, (value) => {
      const text = print(value);
      fc.pre(text.length <= MAX_FILTER_LENGTH);
      const parsed = parse(text);
      expect(parsed).toEqual(value);
      expect(print(parsed)).toBe(text);
    }),
    { numRuns },
  );
}

describe('filter printer and parser', () => {
  it('print then parse gives back the same tree', () => {
    roundTrips(filterTree(false), printFilter, parseFilter, 1000);
  });

  it('print then parse gives back the same PATCH path', () => {
    roundTrips(patchPath, printPatchPath, parsePatchPath, 500);
  });
});

describe('hostile input', () => {
  it('random strings either parse or are 400 invalidFilter, quickly', () => {
    fc.assert(fc.property(hostile, (text) => parsesOrRejects(parseFilter, 'invalidFilter', text)), { numRuns: 3000 });
  });

  it('random strings either parse as PATCH paths or are 400 invalidPath, quickly', () => {
    fc.assert(fc.property(hostile, (text) => parsesOrRejects(parsePatchPath, 'invalidPath', text)), { numRuns: 2000 });
  });

  it('single-character edits of valid filters either parse or are 400 invalidFilter', () => {
    const edited = fc
      .tuple(filterTree(false), fc.nat(), fc.constantFrom(...FILTER_PIECES, ''))
      .map(([ast, at, insert]) => {
        const text = printFilter(ast);
        const cut = text.length === 0 ? 0 : at % text.length;
        return text.slice(0, cut) + insert + text.slice(cut + 1);
      });
    fc.assert(fc.property(edited, (text) => parsesOrRejects(parseFilter, 'invalidFilter', text)), { numRuns: 1500 });
  });

  const extremes: [string, string][] = [
    ['100k characters', 'userName eq "x" and '.repeat(5000)],
    ['100k open parentheses', '('.repeat(100_000)],
    ['4k open parentheses', '('.repeat(MAX_FILTER_LENGTH)],
    ['deep not', 'not ('.repeat(800)],
    ['deep brackets', 'a['.repeat(2000)],
    ['a long chain at the length limit', 'a eq 1 or '.repeat(409) + 'a pr'],
    ['a string of escapes', `a eq "${'\\u00e9'.repeat(680)}"`],
    ['an unterminated string of escapes', `a eq "${'\\"'.repeat(2040)}`],
    ['a long bare word', `a eq ${'x'.repeat(4000)}`],
    ['a long attribute name', `${'a'.repeat(4000)} pr`],
    ['a long URN', `urn:${'x:'.repeat(2000)}a pr`],
    ['a long number', `a eq ${'9'.repeat(400)}`],
    ['NUL and control characters', 'a eq "\u0000\u0001" and \u0000 pr'],
  ];

  it.each(extremes)('%s: parses or is 400 invalidFilter, quickly', (_, text) => {
    parsesOrRejects(parseFilter, 'invalidFilter', text);
    parsesOrRejects(parsePatchPath, 'invalidPath', text);
  });
});
