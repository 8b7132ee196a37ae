import { describe, expect, it } from 'vitest';
import { ScimError } from '../src/http/errors.ts';
import type { CompareOp, Filter, Literal } from '../src/scim/filter/ast.ts';
import type { AttrPath } from '../src/scim/schema/types.ts';
import { MAX_FILTER_DEPTH, MAX_FILTER_LENGTH, parseAttrPath, parseFilter } from '../src/scim/filter/parser.ts';
import { printFilter } from '../src/scim/filter/print.ts';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

function path(text: string): AttrPath {
  const [name = '', subAttr] = text.split('.');
  return subAttr === undefined ? { name } : { name, subAttr };
}
const cmp = (attr: string, op: CompareOp, value: Literal): Filter => ({ kind: 'compare', path: path(attr), op, value });
const pr = (attr: string): Filter => ({ kind: 'present', path: path(attr) });
const and = (left: Filter, right: Filter): Filter => ({ kind: 'and', left, right });
const or = (left: Filter, right: Filter): Filter => ({ kind: 'or', left, right });
const not = (filter: Filter): Filter => ({ kind: 'not', filter });
const vp = (attr: string, filter: Filter): Filter => ({ kind: 'valuePath', path: path(attr), filter });

const valid: [string, Filter][] = [
  // Every operator.
  ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
  ['userName ne "bjensen"', cmp('userName', 'ne', 'bjensen')],
  ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
  ['userName sw "J"', cmp('userName', 'sw', 'J')],
  ['emails.value ew "@example.com"', cmp('emails.value', 'ew', '@example.com')],
  ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
  ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
  ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
  ['title pr', pr('title')],
  // Case-insensitive operators, keywords and literals.
  ['userName EQ "x"', cmp('userName', 'eq', 'x')],
  ['userName Eq "x"', cmp('userName', 'eq', 'x')],
  ['title PR', pr('title')],
  ['a eq 1 AND b eq 2', and(cmp('a', 'eq', 1), cmp('b', 'eq', 2))],
  ['a eq 1 Or b eq 2', or(cmp('a', 'eq', 1), cmp('b', 'eq', 2))],
  ['NOT (a pr)', not(pr('a'))],
  ['active eq TRUE', cmp('active', 'eq', true)],
  ['active eq False', cmp('active', 'eq', false)],
  ['title eq NULL', cmp('title', 'eq', null)],
  // Precedence and associativity: not > and > or; left to right.
  ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
  ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
  ['a pr and b pr and c pr', and(and(pr('a'), pr('b')), pr('c'))],
  ['a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
  ['not (a pr) and b pr', and(not(pr('a')), pr('b'))],
  ['a pr or not (b pr) and c pr', or(pr('a'), and(not(pr('b')), pr('c')))],
  // Grouping.
  ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
  ['a pr and (b pr or c pr)', and(pr('a'), or(pr('b'), pr('c')))],
  ['((a pr))', pr('a')],
  ['not (a pr or b pr)', not(or(pr('a'), pr('b')))],
  ['not (not (a pr))', not(not(pr('a')))],
  [
    'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
    and(cmp('userType', 'eq', 'Employee'), or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
  ],
  // Value paths.
  ['emails[type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
  ['emails[type eq "work" and value co "@example.com"]', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))],
  ['emails[not (type eq "work")]', vp('emails', not(cmp('type', 'eq', 'work')))],
  ['emails[type eq "work" or (primary eq true)]', vp('emails', or(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true)))],
  [
    'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
    and(cmp('userType', 'eq', 'Employee'), vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com')))),
  ],
  ['members[value eq "2819c223"] or displayName eq "Admins"', or(vp('members', cmp('value', 'eq', '2819c223')), cmp('displayName', 'eq', 'Admins'))],
  // Entra's `valuePath.subAttr op value`.
  ['emails[type eq "work"].value eq "a@x.com"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@x.com')))],
  ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
  [
    'emails[type eq "work" or type eq "home"].value eq "a" and userName eq "b"',
    and(vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'eq', 'a'))), cmp('userName', 'eq', 'b')),
  ],
  // URN-qualified paths (URNs contain dots and colons).
  [`${ENTERPRISE}:employeeNumber eq "701984"`, { kind: 'compare', path: { uri: ENTERPRISE, name: 'employeeNumber' }, op: 'eq', value: '701984' }],
  [`${ENTERPRISE}:manager.value eq "26118915"`, { kind: 'compare', path: { uri: ENTERPRISE, name: 'manager', subAttr: 'value' }, op: 'eq', value: '26118915' }],
  [`${CORE}:name.familyName sw "J"`, { kind: 'compare', path: { uri: CORE, name: 'name', subAttr: 'familyName' }, op: 'sw', value: 'J' }],
  [`${CORE}:emails[type eq "work"]`, { kind: 'valuePath', path: { uri: CORE, name: 'emails' }, filter: cmp('type', 'eq', 'work') }],
  ['URN:IETF:params:scim:schemas:core:2.0:User:userName pr', { kind: 'present', path: { uri: 'URN:IETF:params:scim:schemas:core:2.0:User', name: 'userName' } }],
  // Attribute names: `$ref`, digits, hyphens, underscores; names keep their case.
  ['members.$ref pr', pr('members.$ref')],
  ['x509Certificates.value pr', pr('x509Certificates.value')],
  ['my-attr_2 eq 1', cmp('my-attr_2', 'eq', 1)],
  ['USERNAME eq "x"', cmp('USERNAME', 'eq', 'x')],
  ['not pr', pr('not')],
  // JSON strings and escapes.
  ['title eq "a\\"b"', cmp('title', 'eq', 'a"b')],
  ['title eq "a\\\\b"', cmp('title', 'eq', 'a\\b')],
  ['title eq "a\\/b"', cmp('title', 'eq', 'a/b')],
  ['title eq "\\b\\f\\n\\r\\t"', cmp('title', 'eq', '\b\f\n\r\t')],
  ['title eq "\\u00e9\\u00C9"', cmp('title', 'eq', 'éÉ')],
  ['title eq "\\ud83d\\ude00"', cmp('title', 'eq', '😀')],
  ['title eq "Zoë 😀 名前"', cmp('title', 'eq', 'Zoë 😀 名前')],
  ['title eq ""', cmp('title', 'eq', '')],
  ['title eq "a and b or not (c)"', cmp('title', 'eq', 'a and b or not (c)')],
  ['title eq "[x]"', cmp('title', 'eq', '[x]')],
  // Numbers (JSON grammar).
  ['n eq 0', cmp('n', 'eq', 0)],
  ['n eq -12', cmp('n', 'eq', -12)],
  ['n gt 3.25', cmp('n', 'gt', 3.25)],
  ['n lt -1.5e3', cmp('n', 'lt', -1500)],
  ['n le 2E-2', cmp('n', 'le', 0.02)],
  ['n ge 1e+2', cmp('n', 'ge', 100)],
  // Bare words as strings (Entra docs: `externalId eq jyoung`).
  ['externalId eq jyoung', cmp('externalId', 'eq', 'jyoung')],
  ['userName eq john@example.com', cmp('userName', 'eq', 'john@example.com')],
  ['externalId eq 00ujl29u0le5T6Aj10h7', cmp('externalId', 'eq', '00ujl29u0le5T6Aj10h7')],
  ['n eq 01', cmp('n', 'eq', '01')],
  ['n eq 1.', cmp('n', 'eq', '1.')],
  ['externalId eq jyoung and active eq true', and(cmp('externalId', 'eq', 'jyoung'), cmp('active', 'eq', true))],
  ['emails[type eq work]', vp('emails', cmp('type', 'eq', 'work'))],
  // Whitespace: runs of spaces and tabs, none where a delimiter suffices.
  ['  userName   eq\t\t"x"  ', cmp('userName', 'eq', 'x')],
  ['userName eq"x"', cmp('userName', 'eq', 'x')],
  ['(a pr)and(b pr)', and(pr('a'), pr('b'))],
  ['emails[ type eq "work" ]', vp('emails', cmp('type', 'eq', 'work'))],
];

const invalid: [string, number, RegExp][] = [
  ['', 1, /expected an attribute name but found the end of the input/],
  ['userName', 9, /expected an operator/],
  ['userName eq', 12, /expected a value after "eq"/],
  ['userName xx "a"', 10, /expected an operator .* found "xx"/],
  ['userName eq "a', 13, /unterminated string/],
  ['userName eq "a\\qb"', 15, /invalid escape "\\q"/],
  ['userName eq "\\u12g4"', 14, /invalid \\u escape/],
  ['userName eq "a" and', 20, /expected an attribute name/],
  ['userName eq "a" xor b pr', 17, /expected the end of the input but found "xor"/],
  ['(a pr', 6, /expected "\)"/],
  ['a pr)', 5, /expected the end of the input but found "\)"/],
  ['not a pr', 5, /expected "\(" after "not"/],
  ['emails[type eq "work"', 22, /expected "\]"/],
  ['emails[type eq "work"]]', 23, /found "\]"/],
  ['emails[value[type eq "x"] pr]', 13, /cannot be nested/],
  ['name.familyName[value pr]', 16, /must follow a multi-valued attribute/],
  ['emails[type eq "work"].', 24, /expected a sub-attribute name/],
  ['emails[type eq "work"].value', 29, /expected an operator/],
  ['emails[type eq "work"].a.b eq 1', 24, /"a\.b" is not a valid attribute path/],
  ['a.b.c eq 1', 1, /more than one sub-attribute/],
  ['1abc eq 1', 1, /not a valid attribute path/],
  ['user$name eq 1', 1, /not a valid attribute path/],
  ['urn::x:name eq 1', 1, /empty segment/],
  ['"userName" eq "x"', 1, /expected an attribute name but found the string "userName"/],
  ['userName eq (', 13, /expected a value/],
  ['n eq 1e999', 6, /out of range/],
  ['a eq 1 and and b eq 2', 16, /expected an operator/],
];

describe('parseFilter', () => {
  it.each(valid)('parses %s', (text, expected) => {
    expect(parseFilter(text)).toEqual(expected);
  });

  it.each(valid)('prints %s back to text that parses to the same tree', (text) => {
    const ast = parseFilter(text);
    expect(parseFilter(printFilter(ast))).toEqual(ast);
  });

  it.each(invalid)('rejects %j at position %i', (text, position, message) => {
    let caught: unknown;
    try {
      parseFilter(text);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ScimError);
    const error = caught as ScimError;
    expect(error.status).toBe(400);
    expect(error.scimType).toBe('invalidFilter');
    expect(error.message).toContain(`at position ${position}:`);
    expect(error.message).toMatch(message);
  });

  it('refuses filters longer than the limit before reading them', () => {
    expect(() => parseFilter(`title eq "${'x'.repeat(MAX_FILTER_LENGTH)}"`)).toThrow(/limit is 4096/);
    expect(parseFilter(`title eq "${'x'.repeat(MAX_FILTER_LENGTH - 11)}"`)).toMatchObject({ kind: 'compare' });
  });

  it('refuses nesting deeper than the limit', () => {
    const nested = (depth: number) => `${'('.repeat(depth)}a pr${')'.repeat(depth)}`;
    expect(parseFilter(nested(MAX_FILTER_DEPTH))).toEqual(pr('a'));
    expect(() => parseFilter(nested(MAX_FILTER_DEPTH + 1))).toThrow(/deeper than 32 levels/);
    expect(() => parseFilter(`${'not ('.repeat(MAX_FILTER_DEPTH + 1)}a pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`)).toThrow(/deeper than 32/);
  });

  it('prints only the parentheses the tree needs', () => {
    expect(printFilter(and(or(pr('a'), pr('b')), pr('c')))).toBe('(a pr or b pr) and c pr');
    expect(printFilter(or(pr('a'), and(pr('b'), pr('c'))))).toBe('a pr or b pr and c pr');
    expect(printFilter(and(pr('a'), and(pr('b'), pr('c'))))).toBe('a pr and (b pr and c pr)');
    expect(printFilter(cmp('title', 'eq', 'say "hi"'))).toBe('title eq "say \\"hi\\""');
    expect(printFilter(cmp('n', 'eq', -0))).toBe('n eq -0');
  });
});

describe('parseAttrPath', () => {
  it('reads a lone attribute path, with the error type the caller names', () => {
    expect(parseAttrPath(`${ENTERPRISE}:manager.value`, 'invalidValue')).toEqual({ uri: ENTERPRISE, name: 'manager', subAttr: 'value' });
    expect(() => parseAttrPath('name eq', 'invalidValue')).toThrow(expect.objectContaining({ status: 400, scimType: 'invalidValue' }));
  });
});
