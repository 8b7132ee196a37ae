import { describe, expect, it } from 'vitest';
import { matchesFilter } from '../src/scim/filter/evaluate.ts';
import { foldCase } from '../src/common/fold-case.ts';
import { parseFilter } from '../src/scim/filter/parser.ts';
import { resourceResolver } from '../src/scim/filter/resolve.ts';
import { filterToSql } from '../src/scim/filter/to-sql.ts';
import { attr } from '../src/scim/schema/build.ts';
import type { ResourceTypeDefinition } from '../src/scim/schema/types.ts';

// A made-up resource type with the attribute types the core schemas lack (numbers, dateTimes, multi-valued strings).
const WIDGET: ResourceTypeDefinition = {
  name: 'Widget',
  endpoint: '/Widgets',
  description: 'test only',
  schema: {
    id: 'urn:example:Widget',
    name: 'Widget',
    description: 'test only',
    attributes: [
      attr('score', 'integer', 'a number'),
      attr('ratio', 'decimal', 'a number'),
      attr('since', 'dateTime', 'a time'),
      attr('code', 'string', 'case-exact text', { caseExact: true }),
      attr('label', 'string', 'text'),
      attr('tags', 'string', 'several texts', { multiValued: true }),
      attr('enabled', 'boolean', 'a flag'),
    ],
  },
  schemaExtensions: [],
};

const widget = {
  score: 7,
  ratio: 0.25,
  since: '2023-12-31T23:00:00Z',
  code: 'AbC',
  label: 'Ünïcode Label',
  tags: ['red', 'Blue'],
  enabled: false,
  empty: [],
};

const cases: [string, boolean][] = [
  ['score eq 7', true],
  ['score gt 5 and score lt 8', true],
  ['score ge 7.5', false],
  ['score eq "7"', true],
  ['ratio le 2.5e-1', true],
  ['ratio gt -1', true],
  // Instants, not text: 23:00Z on Dec 31 is 01:00 on Jan 1 at +02:00.
  ['since eq "2024-01-01T01:00:00+02:00"', true],
  ['since gt "2024-01-01T00:30:00+02:00"', true],
  ['since lt "2023-12-31T23:00:00.001Z"', true],
  ['since eq "2023-12-31T23:00:00"', true],
  ['code eq "AbC"', true],
  ['code eq "abc"', false],
  ['code co "bC"', true],
  ['label eq "ünïcode label"', false],
  ['label eq "Ünïcode label"', true],
  ['label sw "ÜN"', true],
  ['tags eq "blue"', true],
  ['tags co "E"', true],
  ['tags ew "ed" and tags sw "b"', true],
  ['tags gt "s"', false],
  ['tags pr', true],
  ['enabled eq false', true],
  ['enabled ne true', true],
  ['enabled pr', true],
  ['nothing eq "x"', false],
  ['nothing ne "x"', true],
  ['not (nothing eq "x")', true],
  ['nothing pr', false],
  ['nothing eq null', true],
  ['score ne null', true],
];

const resolver = resourceResolver({ ...WIDGET, schema: { ...WIDGET.schema, attributes: [...WIDGET.schema.attributes, attr('nothing', 'string', 'never set')] } });

describe('matchesFilter', () => {
  it.each(cases)('%s → %s', (text, expected) => {
    expect(matchesFilter(parseFilter(text), widget, resolver)).toBe(expected);
  });

  it('orders text by code point, as SQLite compares UTF-8', () => {
    const text = { label: '\uffff' };
    expect(matchesFilter(parseFilter('label lt "😀"'), text, resolver)).toBe(true);
    expect('\uffff' < '😀').toBe(false);
  });

  it('treats empty strings and empty arrays as absent for pr', () => {
    expect(matchesFilter(parseFilter('label pr or tags pr'), { label: '', tags: [] }, resolver)).toBe(false);
    expect(matchesFilter(parseFilter('tags pr'), { tags: [''] }, resolver)).toBe(false);
  });

  const refused: [string, RegExp][] = [
    ['score co 1', /"co" does not apply to a numeric/],
    ['score eq "seven"', /is not one/],
    ['since eq "next week"', /xsd:dateTime/],
    ['since eq "10000-01-01T00:00:00Z"', /xsd:dateTime/],
    ['since sw "2023"', /"sw" does not apply to a dateTime/],
    ['enabled lt true', /"lt" does not apply to a boolean/],
    ['score lt null', /"lt null" has no meaning/],
  ];

  it.each(refused)('%s is 400 invalidFilter', (text, message) => {
    expect(() => matchesFilter(parseFilter(text), widget, resolver)).toThrow(
      expect.objectContaining({ status: 400, scimType: 'invalidFilter', message: expect.stringMatching(message) }),
    );
  });

  it('the SQL compiler refuses dateTimes it can only read as JSON text, rather than answer wrongly', () => {
    expect(() => filterToSql(WIDGET, parseFilter('since gt "2024-01-01T00:00:00Z"'), 'tenant')).toThrow(/only meta\.created and meta\.lastModified/);
  });
});

describe('foldCase', () => {
  it('lower-cases ASCII only, exactly like SQLite lower()', () => {
    expect(foldCase('ÉMILE Zoë İSTANBUL ǅ')).toBe('Émile zoë İstanbul ǅ');
  });
});
