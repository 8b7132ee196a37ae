/**
 * Compiles a SCIM filter (RFC 7644 §3.4.2.2) into a drizzle WHERE fragment so D1 does the
 * filtering. Column copies and `user_emails` keep the common provider lookups index searches;
 * the rest reads the `data` JSON. Every predicate is true or false, never NULL, so `not` and `ne`
 * mean what the in-memory evaluator means (absent attribute: `eq` false, `ne` true). Values are
 * always bound; attribute names come only from the schema definitions. What cannot be answered
 * exactly is 400 `invalidFilter`, never an empty result.
 */
import { sql, type SQL } from 'drizzle-orm';
import { groupMembers, groups, userEmails } from '../../db/schema.ts';
import { tenantTermOfLookup } from '../../db/tenant-term.ts';
import { ScimError } from '../../http/errors.ts';
import { findAttribute, findSubAttribute, type ResolvedAttribute } from '../schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { Filter } from './ast.ts';
import { invalidFilter, valueAttribute, type PreparedComparison } from './comparison.ts';
import { parseAttrPath } from './parser.ts';
import { printAttrPath } from './print.ts';
import { elementResolver, prepareLeaf, resolveValuePathParent, resourceResolver, type AttributeResolver } from './resolve.ts';
import {
  attributeColumn,
  isMembershipAttribute,
  isUnstoredCommonAttribute,
  jsonPath,
  presenceIndexPath,
  resourceTable,
  splitAtArray,
  type ResourceTable,
} from './storage.ts';

/** Most values one filter may bind: D1 allows 100 bound parameters a statement and the list query adds a few. */
export const MAX_FILTER_PARAMETERS = 80;
/** Most comparisons (`eq`, `pr`, …) in one filter, which keeps the SQL well inside SQLite's expression depth. */
export const MAX_FILTER_TERMS = 50;

type Leaf = Extract<Filter, { kind: 'compare' | 'present' }>;
type ValuePath = Extract<Filter, { kind: 'valuePath' }>;

/** A scalar SQL expression standing for one attribute value. */
interface Operand {
  expr: SQL;
  nullable: boolean;
  /** Stored already case-folded (ids, `user_emails.value`): compare without `lower()`. */
  folded?: boolean;
  /** Holds toISOString() text (meta.created, meta.lastModified), which sorts in time order. */
  isoTime?: boolean;
}

/** How the leaves of one scope (the resource, or an element inside brackets) become SQL. */
interface Scope {
  leaf(filter: Leaf): SQL;
  valuePath(filter: ValuePath): SQL;
}

class Compilation {
  readonly resourceType: ResourceTypeDefinition;
  readonly table: ResourceTable;
  readonly tenantId: string;
  private parameters = 0;
  /** Every parameter bound, the tenant term's too: the next one's index. */
  #bound = 0;
  private terms = 0;
  /** How many `or`s and `not`s enclose what is being compiled: a lookup under none is a conjunct of the whole filter. */
  #alternatives = 0;
  #lookupConjunct = false;
  readonly #param: (value: string | number, index: number) => SQL;

  constructor(resourceType: ResourceTypeDefinition, tenantId: string, param: (value: string | number, index: number) => SQL) {
    this.resourceType = resourceType;
    this.table = resourceTable(resourceType);
    this.tenantId = tenantId;
    this.#param = param;
  }

  /** A bound parameter, counted against D1's limit. */
  bind(value: string | number): SQL {
    this.parameters += 1;
    if (this.parameters > MAX_FILTER_PARAMETERS) {
      throw new ScimError(400, 'invalidFilter', `The filter compares too many values (the limit is ${MAX_FILTER_PARAMETERS}); split it into several requests`);
    }
    return this.#param(value, this.#bound++);
  }

  /** The tenant term's value: one of the few parameters of the query's own that the limit leaves room for. */
  bindTenant(): SQL {
    return this.#param(this.tenantId, this.#bound++);
  }

  countTerm(): void {
    this.terms += 1;
    if (this.terms > MAX_FILTER_TERMS) {
      throw new ScimError(400, 'invalidFilter', `The filter has more than ${MAX_FILTER_TERMS} comparisons; split it into several requests`);
    }
  }

  /** Records an index lookup of ids (`id IN (SELECT … FROM user_emails | group_members …)`) just compiled. */
  lookup(): void {
    if (this.#alternatives === 0) this.#lookupConjunct = true;
  }

  /** Whether every match is among the ids of one of the filter's lookups: the query can start from those ids. */
  get startsFromLookup(): boolean {
    return this.#lookupConjunct;
  }

  compile(filter: Filter, scope: Scope): SQL {
    switch (filter.kind) {
      case 'and':
        return sql`(${this.compile(filter.left, scope)} AND ${this.compile(filter.right, scope)})`;
      case 'or':
        return this.#alternative(() => sql`(${this.compile(filter.left, scope)} OR ${this.compile(filter.right, scope)})`);
      case 'not':
        return this.#alternative(() => sql`(NOT ${this.compile(filter.filter, scope)})`);
      case 'compare':
      case 'present':
        this.countTerm();
        return scope.leaf(filter);
      case 'valuePath':
        return scope.valuePath(filter);
    }
  }

  #alternative(compile: () => SQL): SQL {
    this.#alternatives += 1;
    try {
      return compile();
    } finally {
      this.#alternatives -= 1;
    }
  }
}

const ORDER_SQL = { eq: '=', gt: '>', ge: '>=', lt: '<', le: '<=' } as const;

function negated(predicate: SQL, negate: boolean): SQL {
  return negate ? sql`(NOT ${predicate})` : predicate;
}

/** The prepared test on one value; NULL (absent) counts as no match, so the result is never NULL. */
function scalarTest(c: Compilation, operand: Operand, { attribute, test }: PreparedComparison): SQL {
  const x = operand.expr;
  let predicate: SQL;
  switch (test.kind) {
    case 'present':
      predicate = sql`${x} <> ''`;
      break;
    case 'boolean':
      // JSON booleans and the boolean columns both read as 1/0.
      predicate = test.value ? sql`${x} = 1` : sql`${x} = 0`;
      break;
    case 'number':
      predicate = sql`${x} ${sql.raw(ORDER_SQL[test.op])} ${c.bind(test.value)}`;
      break;
    case 'dateTime':
      if (!operand.isoTime) throw invalidFilter(attribute.path, 'only meta.created and meta.lastModified can be compared as dateTimes');
      predicate = sql`${x} ${sql.raw(ORDER_SQL[test.op])} ${c.bind(test.iso)}`;
      break;
    case 'text': {
      const lhs = test.caseExact || operand.folded ? x : sql`lower(${x})`;
      // instr/substr rather than LIKE/GLOB: no wildcard escaping, and D1 caps LIKE patterns at 50 bytes.
      if (test.op === 'co') predicate = sql`instr(${lhs}, ${c.bind(test.value)}) > 0`;
      else if (test.op === 'sw') predicate = sql`instr(${lhs}, ${c.bind(test.value)}) = 1`;
      else if (test.op === 'ew') {
        const length = [...test.value].length;
        predicate = length === 0 ? sql`1` : sql`substr(${lhs}, ${sql.raw(String(-length))}) = ${c.bind(test.value)}`;
      } else predicate = sql`${lhs} ${sql.raw(ORDER_SQL[test.op])} ${c.bind(test.value)}`;
      break;
    }
  }
  return operand.nullable ? sql`(${x} IS NOT NULL AND ${predicate})` : predicate;
}

function jsonValue(data: SQL, keys: readonly string[]): Operand {
  return { expr: keys.length === 0 ? data : sql`json_extract(${data}, ${jsonPath(keys)})`, nullable: true };
}

const ELEMENT = sql`"e"."value"`;

/** Some element of the JSON array at `arrayKeys` satisfies `condition` (written over `"e"."value"`). */
function someElement(c: Compilation, arrayKeys: readonly string[], condition: SQL): SQL {
  const exists = sql`EXISTS (SELECT 1 FROM json_each(${c.table.data}, ${jsonPath(arrayKeys)}) AS "e" WHERE ${condition})`;
  const path = presenceIndexPath(c.resourceType, arrayKeys);
  if (!path) return exists;
  // The rows holding the array at all, from their partial index; the inner query's own table shadows the outer one.
  return sql`${c.table.seq} IN (SELECT ${c.table.seq} FROM ${c.table} WHERE ${c.table.tenantId} = ${c.bind(c.tenantId)} AND json_type(${c.table.data}, ${path}) IS NOT NULL AND ${exists})`;
}

/** A leaf on the `data` JSON: one value, or any element of a multi-valued attribute. */
function jsonTest(c: Compilation, prepared: PreparedComparison): SQL {
  const { attribute } = prepared;
  if (!attribute.attribute.multiValued) return scalarTest(c, jsonValue(sql`${c.table.data}`, attribute.keys), prepared);
  const { arrayKeys, elementKeys } = splitAtArray(attribute);
  return someElement(c, arrayKeys, scalarTest(c, jsonValue(ELEMENT, elementKeys), prepared));
}

/** A positive text `eq` (the shape an index can answer), or undefined. */
function textEquality(prepared: PreparedComparison): string | undefined {
  const { test, negate } = prepared;
  return test.kind === 'text' && test.op === 'eq' && !negate && !test.caseExact ? test.value : undefined;
}

/** `users.id IN (…user_emails…)`: an index search on (tenant_id, value). */
function emailLookup(c: Compilation, value: string, type: string | undefined): SQL {
  const typeCondition = type === undefined ? sql`` : sql` AND lower(${userEmails.type}) = ${c.bind(type)}`;
  c.lookup();
  return sql`${c.table.id} IN (SELECT ${userEmails.userId} FROM ${userEmails} WHERE ${userEmails.tenantId} = ${c.bind(c.tenantId)} AND ${userEmails.value} = ${c.bind(value)}${typeCondition})`;
}

function isUserEmails(c: Compilation, attribute: ResolvedAttribute): boolean {
  return c.resourceType.name === 'User' && attribute.origin === 'core' && attribute.attribute.name === 'emails';
}

/** `emails[value eq "x"]`, `emails[type eq "t" and value eq "x"]` (either order): the index-backed shapes. */
function emailLookupShape(c: Compilation, parent: ResolvedAttribute, filter: Filter): SQL | undefined {
  const resolve = elementResolver(parent);
  const equality = (leaf: Filter): { name: string; value: string } | undefined => {
    if (leaf.kind !== 'compare') return undefined;
    const prepared = prepareLeaf(resolve, leaf);
    const value = textEquality(prepared);
    return value === undefined ? undefined : { name: prepared.attribute.attribute.name, value };
  };
  const parts = filter.kind === 'and' ? [equality(filter.left), equality(filter.right)] : [equality(filter)];
  const value = parts.find((p) => p?.name === 'value');
  const type = parts.find((p) => p?.name === 'type');
  if (!value || parts.some((p) => p !== value && p !== type) || (filter.kind === 'and' && !type)) return undefined;
  c.countTerm();
  if (type) c.countTerm();
  return emailLookup(c, value.value, type?.value);
}

// Memberships: User `groups` and Group `members`, read from group_members (ids are lower-case UUIDs).
function membershipOperand(c: Compilation, { definition, path }: ResolvedAttribute): Operand {
  const isUser = c.resourceType.name === 'User';
  if (definition.name === 'value') return { expr: sql`${isUser ? groupMembers.groupId : groupMembers.userId}`, nullable: false, folded: true };
  if (isUser && definition.name === 'display') return { expr: sql`${groups.displayName}`, nullable: false };
  if (isUser && definition.name === 'type') return { expr: sql`'direct'`, nullable: false };
  throw invalidFilter(path, "only a membership's value can be filtered (and the display and type of a user's groups)");
}

/** Some membership row of the resource satisfies `condition` (index on group_members by the owner id). */
function membershipExists(c: Compilation, condition: SQL): SQL {
  if (c.resourceType.name === 'User') {
    return sql`EXISTS (SELECT 1 FROM ${groupMembers} JOIN ${groups} ON ${groups.id} = ${groupMembers.groupId} WHERE ${groupMembers.userId} = ${c.table.id} AND ${condition})`;
  }
  return sql`EXISTS (SELECT 1 FROM ${groupMembers} WHERE ${groupMembers.groupId} = ${c.table.id} AND ${condition})`;
}

/** `groups.value eq "id"` / `members.value eq "id"`: a primary-key or index search on group_members. */
function membershipLookup(c: Compilation, id: string): SQL {
  const [owner, other] = c.resourceType.name === 'User' ? [groupMembers.userId, groupMembers.groupId] : [groupMembers.groupId, groupMembers.userId];
  c.lookup();
  return sql`${c.table.id} IN (SELECT ${owner} FROM ${groupMembers} WHERE ${groupMembers.tenantId} = ${c.bind(c.tenantId)} AND ${other} = ${c.bind(id)})`;
}

function membershipTest(c: Compilation, prepared: PreparedComparison): SQL {
  const { attribute } = prepared;
  const sub = attribute.subAttribute;
  const id = sub?.name === 'value' ? textEquality(prepared) : undefined;
  if (id !== undefined) return membershipLookup(c, id);
  const condition = sub ? scalarTest(c, membershipOperand(c, { ...attribute, definition: sub }), prepared) : sql`1`;
  return negated(membershipExists(c, condition), prepared.negate);
}

function elementScope(c: Compilation, resolve: AttributeResolver, operand: (element: ResolvedAttribute) => Operand): Scope {
  return {
    leaf(filter) {
      const prepared = prepareLeaf(resolve, filter);
      return negated(scalarTest(c, operand(prepared.attribute), prepared), prepared.negate);
    },
    valuePath(filter) {
      throw invalidFilter(filter.path, 'value filters in brackets cannot be nested');
    },
  };
}

function resourceLeaf(c: Compilation, prepared: PreparedComparison): SQL {
  const { attribute } = prepared;
  const column = attributeColumn(c.resourceType, attribute);
  // The dateTime columns (created_at, updated_at) hold toISOString() text.
  if (column) return negated(scalarTest(c, { expr: sql`${column.column}`, nullable: column.nullable, isoTime: true }, prepared), prepared.negate);
  if (isMembershipAttribute(c.resourceType, attribute)) return membershipTest(c, prepared);
  if (isUnstoredCommonAttribute(attribute)) throw invalidFilter(attribute.path, 'only meta.created and meta.lastModified can be filtered');
  const email = isUserEmails(c, attribute) && attribute.subAttribute?.name === 'value' ? textEquality(prepared) : undefined;
  if (email !== undefined) return emailLookup(c, email, undefined);
  return negated(jsonTest(c, prepared), prepared.negate);
}

function resourceValuePath(c: Compilation, resolve: AttributeResolver, filter: ValuePath): SQL {
  const parent = resolveValuePathParent(resolve, filter.path);
  const inner = elementResolver(parent);
  if (isMembershipAttribute(c.resourceType, parent)) {
    const single = filter.filter.kind === 'compare' ? prepareLeaf(inner, filter.filter) : undefined;
    const id = single?.attribute.definition.name === 'value' ? textEquality(single) : undefined;
    if (id !== undefined) {
      c.countTerm();
      return membershipLookup(c, id);
    }
    return membershipExists(c, c.compile(filter.filter, elementScope(c, inner, (element) => membershipOperand(c, element))));
  }
  const lookup = isUserEmails(c, parent) ? emailLookupShape(c, parent, filter.filter) : undefined;
  if (lookup) return lookup;
  const condition = c.compile(filter.filter, elementScope(c, inner, (element) => jsonValue(ELEMENT, element.keys)));
  return someElement(c, parent.keys, sql`"e"."type" = 'object' AND ${condition}`);
}

/**
 * The WHERE condition for tenant `tenantId`'s rows of `resourceType`'s table that match `filter`
 * (RFC 7644 §3.4.2.2), the tenant term included (`compileFilter`), so a query adds no tenant term
 * of its own. Throws 400 `invalidFilter` for anything it cannot answer exactly.
 */
export function filterToSql(resourceType: ResourceTypeDefinition, filter: Filter, tenantId: string): SQL {
  return compileFilter(new Compilation(resourceType, tenantId, (value) => sql`${value}`), filter);
}

/** A filter compiled with its values as placeholders `f0`, `f1`, …: one template serves every request of its shape. */
export interface FilterTemplate {
  template: SQL;
  values: Record<string, string | number>;
}

/** `filterToSql` as a template and the values to bind, so a statement compiled around it is reused for other values. */
export function filterTemplate(resourceType: ResourceTypeDefinition, filter: Filter, tenantId: string): FilterTemplate {
  const values: Record<string, string | number> = {};
  const param = (value: string | number, index: number) => {
    values[`f${index}`] = value;
    return sql`${sql.placeholder(`f${index}`)}`;
  };
  return { template: compileFilter(new Compilation(resourceType, tenantId, param), filter), values };
}

/**
 * The tenant's rows that match `filter`. When a lookup's ids bound the matches, the query starts
 * from them (`tenantTermOfLookup`): an `emails[type eq "work"].value eq` lookup (Entra's) read
 * every user of the tenant, twice, before.
 */
function compileFilter(c: Compilation, filter: Filter): SQL {
  const resolve = resourceResolver(c.resourceType);
  const condition = c.compile(filter, {
    leaf: (leaf) => resourceLeaf(c, prepareLeaf(resolve, leaf)),
    valuePath: (valuePath) => resourceValuePath(c, resolve, valuePath),
  });
  const tenant = c.bindTenant();
  return sql`${c.startsFromLookup ? tenantTermOfLookup(c.table.tenantId, tenant) : sql`${c.table.tenantId} = ${tenant}`} AND ${condition}`;
}

function invalidSort(sortBy: string, detail: string): ScimError {
  return new ScimError(400, 'invalidValue', `Cannot sort by "${sortBy.slice(0, 80)}": ${detail}`);
}

/** `lower(x)` for caseExact=false strings, so ordering is case-insensitive as RFC 7644 §3.4.2.3 asks. */
function sortCase(attribute: ResolvedAttribute, x: SQL): SQL {
  const { definition } = attribute;
  return (definition.type === 'string' || definition.type === 'reference') && !definition.caseExact ? sql`lower(${x})` : x;
}

/**
 * The SQL expression to ORDER BY for `sortBy` (RFC 7644 §3.4.2.3): indexed columns where there
 * are some (`meta.created` is insertion order, `seq`), else the `data` JSON; a multi-valued
 * attribute sorts by its primary value, else its first. Unknown, unreadable (password),
 * membership and whole complex attributes are 400 `invalidValue`; we refuse rather than ignore.
 */
export function sortColumn(resourceType: ResourceTypeDefinition, sortBy: string): SQL {
  const table = resourceTable(resourceType);
  const resolved = findAttribute(resourceType, parseAttrPath(sortBy, 'invalidValue'));
  if (!resolved) throw invalidSort(sortBy, `${resourceType.name} has no such attribute`);
  const name = printAttrPath(resolved.path);
  if (resolved.attribute.returned === 'never') throw invalidSort(sortBy, 'the attribute is never returned');
  if (isMembershipAttribute(resourceType, resolved)) throw invalidSort(sortBy, 'memberships have no order');
  const column = attributeColumn(resourceType, resolved);
  if (column) return name === 'meta.created' ? sql`${table.seq}` : sortCase(resolved, sql`${column.column}`);
  if (isUnstoredCommonAttribute(resolved)) throw invalidSort(sortBy, 'only meta.created and meta.lastModified are sortable');
  const attribute = valueAttribute(resolved);
  if (!attribute) throw invalidSort(sortBy, 'it is a complex attribute; sort by one of its sub-attributes');
  if (!attribute.attribute.multiValued) return sortCase(attribute, sql`json_extract(${table.data}, ${jsonPath(attribute.keys)})`);
  const { arrayKeys, elementKeys } = splitAtArray(attribute);
  const primaryFirst = findSubAttribute(attribute.attribute, 'primary') ? sql`coalesce(json_extract(${ELEMENT}, '$."primary"'), 0) DESC, ` : sql``;
  return sql`(SELECT ${sortCase(attribute, jsonValue(ELEMENT, elementKeys).expr)} FROM json_each(${table.data}, ${jsonPath(arrayKeys)}) AS "e" ORDER BY ${primaryFirst}"e"."key" LIMIT 1)`;
}
