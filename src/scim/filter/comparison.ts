/**
 * The meaning of one filter comparison (RFC 7644 §3.4.2.2), shared by the in-memory evaluator and
 * the SQL compiler so the two cannot drift: which operators an attribute type allows, how the
 * literal is read for that type, and two-valued logic (`ne` is exactly `not eq`).
 */
import { ScimError } from '../../http/errors.ts';
import type { AttrPath, AttributeDefinition } from '../schema/types.ts';
import type { ResolvedAttribute } from '../schema/resource-types.ts';
import type { CompareOp, Literal } from './ast.ts';
import { foldCase } from '../../common/fold-case.ts';
import { printAttrPath } from './print.ts';

/** Operators that order values. */
export type OrderOp = 'eq' | 'gt' | 'ge' | 'lt' | 'le';
/** Operators on strings. */
export type TextOp = OrderOp | 'co' | 'sw' | 'ew';

/** One test of a single attribute value; `ne` never appears (it is a negated `eq`). */
export type ValueTest =
  /** The value is present: not null, not "", not an empty array (RFC 7644 `pr`). */
  | { kind: 'present' }
  /** `value` is already folded when `caseExact` is false. */
  | { kind: 'text'; op: TextOp; value: string; caseExact: boolean }
  | { kind: 'number'; op: OrderOp; value: number }
  | { kind: 'boolean'; value: boolean }
  /** Instants: `iso` is `toISOString()` form, `ms` the epoch milliseconds. */
  | { kind: 'dateTime'; op: OrderOp; iso: string; ms: number };

/** A comparison ready to evaluate: `attribute` matches when some value of it passes `test`, negated if `negate`. */
export interface PreparedComparison {
  /** The attribute whose values are tested (`emails.value` for `emails eq "x"`). */
  attribute: ResolvedAttribute;
  test: ValueTest;
  negate: boolean;
}

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
// xsd:dateTime as RFC 7643 §2.3.5 uses it; a missing offset means UTC. Four-digit years keep ISO text sortable.
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/i;

/** A 400 `invalidFilter` naming the attribute. */
export function invalidFilter(path: AttrPath, detail: string): ScimError {
  return new ScimError(400, 'invalidFilter', `Filter on "${printAttrPath(path)}": ${detail}`);
}

/**
 * The attribute whose values stand for `resolved`: a multi-valued complex attribute stands for
 * its `value` sub-attribute (`emails eq "x"` means `emails.value eq "x"`, RFC 7644 §3.4.2.2);
 * undefined for a complex attribute without one.
 */
export function valueAttribute(resolved: ResolvedAttribute): ResolvedAttribute | undefined {
  const { definition } = resolved;
  if (definition.type !== 'complex' || resolved.subAttribute) return resolved;
  const value = definition.multiValued ? definition.subAttributes?.find((s) => s.name === 'value') : undefined;
  if (!value) return undefined;
  return {
    ...resolved,
    subAttribute: value,
    definition: value,
    path: { ...resolved.path, subAttr: value.name },
    keys: [...resolved.keys, value.name],
  };
}

function textLiteral(value: Exclude<Literal, null>): string {
  // Bare words like `externalId eq 12345` arrive as numbers; they still mean the text.
  return typeof value === 'string' ? value : String(value);
}

function booleanLiteral(path: AttrPath, value: Exclude<Literal, null>): boolean {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(?:true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw invalidFilter(path, `it is a boolean; compare it with true or false, not ${JSON.stringify(value)}`);
}

function numberLiteral(path: AttrPath, value: Exclude<Literal, null>): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && JSON_NUMBER.test(value) && Number.isFinite(Number(value))) return Number(value);
  throw invalidFilter(path, `it is a number; ${JSON.stringify(value)} is not one`);
}

function dateTimeLiteral(path: AttrPath, value: Exclude<Literal, null>): { iso: string; ms: number } {
  if (typeof value === 'string' && DATE_TIME.test(value)) {
    const hasOffset = /(?:z|[+-]\d{2}:\d{2})$/i.test(value);
    const ms = Date.parse(hasOffset ? value : `${value}Z`);
    if (!Number.isNaN(ms)) {
      const iso = new Date(ms).toISOString();
      if (iso.length === 24) return { iso, ms };
    }
  }
  throw invalidFilter(path, `it is a dateTime; ${JSON.stringify(value)} is not an xsd:dateTime like "2024-05-01T12:00:00Z"`);
}

function requireOp<T extends CompareOp>(path: AttrPath, op: CompareOp, allowed: readonly T[], type: string): T {
  if (!(allowed as readonly CompareOp[]).includes(op)) {
    throw invalidFilter(path, `the operator "${op}" does not apply to a ${type} attribute (use ${allowed.join(', ')}, ne or pr)`);
  }
  return op as T;
}

const ORDER_OPS: readonly OrderOp[] = ['eq', 'gt', 'ge', 'lt', 'le'];
const TEXT_OPS: readonly TextOp[] = [...ORDER_OPS, 'co', 'sw', 'ew'];

function prepareTest(definition: AttributeDefinition, path: AttrPath, op: Exclude<CompareOp, 'ne'>, value: Exclude<Literal, null>): ValueTest {
  switch (definition.type) {
    case 'string':
    case 'reference': {
      const text = textLiteral(value);
      const caseExact = definition.caseExact;
      return { kind: 'text', op: requireOp(path, op, TEXT_OPS, 'string'), value: caseExact ? text : foldCase(text), caseExact };
    }
    case 'boolean':
      requireOp(path, op, ['eq'], 'boolean');
      return { kind: 'boolean', value: booleanLiteral(path, value) };
    case 'integer':
    case 'decimal':
      return { kind: 'number', op: requireOp(path, op, ORDER_OPS, 'numeric'), value: numberLiteral(path, value) };
    case 'dateTime':
      return { kind: 'dateTime', op: requireOp(path, op, ORDER_OPS, 'dateTime'), ...dateTimeLiteral(path, value) };
    case 'binary':
      throw invalidFilter(path, 'binary attributes can only be tested with pr (RFC 7644 §3.4.2.2)');
    case 'complex':
      throw invalidFilter(path, 'it is a complex attribute; filter on one of its sub-attributes');
  }
}

/**
 * Checks `attribute op value` against the attribute's definition and reads the literal for its
 * type; 400 `invalidFilter` when the operator does not apply or the literal cannot be read.
 * `eq null` means "not present" and `ne null` "present" (RFC 7643 §2.5: null is unassigned).
 */
export function prepareComparison(resolved: ResolvedAttribute, op: CompareOp, value: Literal): PreparedComparison {
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw invalidFilter(resolved.path, `"${op} null" has no meaning; use pr or eq null`);
    return { attribute: resolved, test: { kind: 'present' }, negate: op === 'eq' };
  }
  const attribute = valueAttribute(resolved);
  if (!attribute) throw invalidFilter(resolved.path, 'it is a complex attribute; filter on one of its sub-attributes');
  return { attribute, test: prepareTest(attribute.definition, attribute.path, op === 'ne' ? 'eq' : op, value), negate: op === 'ne' };
}
