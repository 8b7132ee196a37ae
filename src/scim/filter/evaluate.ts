/**
 * In-memory filter evaluation (RFC 7644 §3.4.2.2) over JSON: whole resources, or one element of a
 * multi-valued attribute (the PATCH engine's `emails[type eq "work"]`). It means exactly what the
 * SQL compiler means: same comparison rules (comparison.ts), same ASCII case folding, two-valued
 * logic. All checks happen when the filter is bound, so errors never depend on the data.
 */
import type { Filter } from './ast.ts';
import type { ValueTest } from './comparison.ts';
import { foldCase } from '../../common/fold-case.ts';
import { elementResolver, prepareLeaf, resolveValuePathParent, type AttributeResolver } from './resolve.ts';

/** A bound filter: tests one JSON value. */
export type Matcher = (value: unknown) => boolean;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Own property `key`, else the first own property equal to it ignoring case (attribute names are case-insensitive). */
function member(object: Record<string, unknown>, key: string): unknown {
  if (Object.hasOwn(object, key)) return object[key];
  const lower = key.toLowerCase();
  const found = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return found === undefined ? undefined : object[found];
}

/** Every value at `keys` below `node`, descending into arrays (multi-valued attributes) on the way. */
function valuesAt(node: unknown, keys: readonly string[]): unknown[] {
  if (Array.isArray(node)) return node.flatMap((element) => valuesAt(element, keys));
  if (keys.length === 0) return [node];
  if (!isRecord(node)) return [];
  return valuesAt(member(node, keys[0]!), keys.slice(1));
}

/** RFC 7644 `pr`: not null/undefined, not "", and (arrays being flattened by `valuesAt`) some element. */
function isPresent(value: unknown): boolean {
  return value !== null && value !== undefined && value !== '';
}

// UTF-16 code units reordered into code point order, the order SQLite's BINARY collation gives UTF-8 text.
function codePointKey(unit: number): number {
  if (unit >= 0xd800 && unit <= 0xdfff) return unit + 0x2000;
  return unit >= 0xe000 ? unit - 0x800 : unit;
}

function compareText(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i += 1) {
    const difference = codePointKey(a.charCodeAt(i)) - codePointKey(b.charCodeAt(i));
    if (difference !== 0) return difference;
  }
  return a.length - b.length;
}

function ordered(op: 'eq' | 'gt' | 'ge' | 'lt' | 'le', difference: number): boolean {
  switch (op) {
    case 'eq':
      return difference === 0;
    case 'gt':
      return difference > 0;
    case 'ge':
      return difference >= 0;
    case 'lt':
      return difference < 0;
    case 'le':
      return difference <= 0;
  }
}

function valuePredicate(test: ValueTest): (value: unknown) => boolean {
  switch (test.kind) {
    case 'present':
      return isPresent;
    case 'boolean':
      return (value) => value === test.value;
    case 'number':
      return (value) => typeof value === 'number' && ordered(test.op, value - test.value);
    case 'dateTime':
      return (value) => {
        const ms = typeof value === 'string' ? Date.parse(value) : Number.NaN;
        return !Number.isNaN(ms) && ordered(test.op, ms - test.ms);
      };
    case 'text':
      return (value) => {
        if (typeof value !== 'string') return false;
        const text = test.caseExact ? value : foldCase(value);
        if (test.op === 'co') return text.includes(test.value);
        if (test.op === 'sw') return text.startsWith(test.value);
        if (test.op === 'ew') return text.endsWith(test.value);
        return ordered(test.op, compareText(text, test.value));
      };
  }
}

/**
 * Binds `filter` to the attributes `resolve` knows, checking every name, operator and literal
 * (400 `invalidFilter`), and returns the test to run on values.
 */
export function compileMatcher(filter: Filter, resolve: AttributeResolver): Matcher {
  switch (filter.kind) {
    case 'and': {
      const left = compileMatcher(filter.left, resolve);
      const right = compileMatcher(filter.right, resolve);
      return (value) => left(value) && right(value);
    }
    case 'or': {
      const left = compileMatcher(filter.left, resolve);
      const right = compileMatcher(filter.right, resolve);
      return (value) => left(value) || right(value);
    }
    case 'not': {
      const inner = compileMatcher(filter.filter, resolve);
      return (value) => !inner(value);
    }
    case 'present':
    case 'compare': {
      const { attribute, test, negate } = prepareLeaf(resolve, filter);
      const predicate = valuePredicate(test);
      const keys = attribute.keys;
      return (value) => valuesAt(value, keys).some(predicate) !== negate;
    }
    case 'valuePath': {
      const parent = resolveValuePathParent(resolve, filter.path);
      const inner = compileMatcher(filter.filter, elementResolver(parent));
      const keys = parent.keys;
      // Only objects are elements to filter: an absent attribute has none.
      return (value) => valuesAt(value, keys).some((element) => isRecord(element) && inner(element));
    }
  }
}

/** Whether `value` (a resource, or an element of a multi-valued attribute) matches `filter` (RFC 7644 §3.4.2.2). */
export function matchesFilter(filter: Filter, value: unknown, resolve: AttributeResolver): boolean {
  return compileMatcher(filter, resolve)(value);
}
