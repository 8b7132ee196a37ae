/**
 * Canonical text for filters and PATCH paths: lower-case keywords, JSON-quoted strings, and only
 * the parentheses the parser needs to rebuild the same tree (`parseFilter(printFilter(f))` equals `f`).
 */
import type { Filter, Literal, PatchPath } from './ast.ts';
import type { AttrPath } from '../schema/types.ts';

// Binding strength: `or` < `and` < everything else (RFC 7644 §3.4.2.2 precedence).
function strength(filter: Filter): number {
  if (filter.kind === 'or') return 1;
  if (filter.kind === 'and') return 2;
  return 3;
}

function printLiteral(value: Literal): string {
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return JSON.stringify(value);
}

/** `urn:…:name.subAttr`, as written in a filter. */
export function printAttrPath(path: AttrPath): string {
  const name = path.subAttr === undefined ? path.name : `${path.name}.${path.subAttr}`;
  return path.uri === undefined ? name : `${path.uri}:${name}`;
}

// The parser is left-associative, so a right operand of the same strength needs parentheses.
function operand(filter: Filter, parentStrength: number, right: boolean): string {
  const own = strength(filter);
  const text = printFilter(filter);
  return own < parentStrength || (right && own === parentStrength) ? `(${text})` : text;
}

/** Prints a filter (RFC 7644 §3.4.2.2) as canonical text that parses back to the same tree. */
export function printFilter(filter: Filter): string {
  switch (filter.kind) {
    case 'compare':
      return `${printAttrPath(filter.path)} ${filter.op} ${printLiteral(filter.value)}`;
    case 'present':
      return `${printAttrPath(filter.path)} pr`;
    case 'and':
    case 'or':
      return `${operand(filter.left, strength(filter), false)} ${filter.kind} ${operand(filter.right, strength(filter), true)}`;
    case 'not':
      return `not (${printFilter(filter.filter)})`;
    case 'valuePath':
      return `${printAttrPath(filter.path)}[${printFilter(filter.filter)}]`;
  }
}

/** Prints a PATCH path (RFC 7644 §3.5.2) as canonical text that parses back to the same value. */
export function printPatchPath(path: PatchPath): string {
  const attr = printAttrPath(path.attr);
  if (path.valueFilter === undefined) return attr;
  const bracketed = `${attr}[${printFilter(path.valueFilter)}]`;
  return path.subAttr === undefined ? bracketed : `${bracketed}.${path.subAttr}`;
}
