/**
 * The PATCH engine (RFC 7644 §3.5.2) with the interop decisions of docs/interop.md. Works on
 * a private normalized copy, operation by operation: every value is normalized as it is written,
 * and the whole resource once more at the end, so the work is linear in the request and the input
 * is never touched; the result is all operations or a thrown ScimError (atomic, interop decision 5).
 *
 * - `op` is case-insensitive (the zod schema lowers it); values go through `normalizeValue`, so
 *   Entra's `"True"`, `[{"value": "x"}]` for single values and `null` = unassigned all work;
 * - pathless add/replace: each key of the object is a path (`"name.givenName"`, URN-qualified
 *   names, extension URN blocks); unknown keys are ignored, as in a POST body; `id` is ignored
 *   when it is the resource's own and 400 mutability otherwise;
 * - a complex single-valued target (name, manager) is merged, for add and replace alike
 *   (RFC 7644 §3.5.2.3: sub-attributes not given stay); a bare string for one is its `value`;
 * - add to a multi-valued attribute appends what is not already there (an element is already
 *   there when an existing element agrees with every sub-attribute it carries), so Entra's
 *   re-sends are no-ops; replace without a filter replaces the whole list;
 * - a filtered add/replace matching nothing creates the element from the filter's `eq` terms
 *   (interop decision 2); a filtered remove matching nothing is a no-op;
 * - remove of a required attribute, and any write to a readOnly one, is 400 mutability
 *   (RFC 7644 §3.5.2.2); immutable attributes may only be set while unassigned; `password` is
 *   accepted and dropped, like everywhere else;
 * - a multi-valued remove without a filter but with a value removes only the listed elements.
 */
import { ScimError } from '../../http/errors.ts';
import type { Filter } from '../filter/ast.ts';
import { foldCase } from '../../common/fold-case.ts';
import { parsePatchPath } from '../filter/parser.ts';
import { operationPath } from './operation-path.ts';
import { allowedRoles } from '../model/allowed-roles.ts';
import { isObject, type JsonObject } from '../model/json.ts';
import { checkUnknownUrnKey, normalizeResource, normalizeValue, type NormalizeOptions, type ScimData } from '../model/normalize.ts';
import { coerceSimple } from '../model/values.ts';
import { findExtension, findSubAttribute } from '../schema/resource-types.ts';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.ts';
import { ENTRA_GROUP_URN } from '../schema/urns.ts';
import type { PatchOperation } from './request.ts';
import { bindPath, requirePath, type PatchTarget } from './target.ts';

export type { PatchOperation, PatchRequest } from './request.ts';

/** Tenant context the engine needs. */
export interface PatchOptions {
  /** The tenant's role catalog (interop decision 7). */
  tenantRoles: readonly string[];
}

type Op = PatchOperation['op'];

interface Run {
  resourceType: ResourceTypeDefinition;
  /** The resource's id, when `current` carried one. */
  id: string | undefined;
  normalize: NormalizeOptions;
  /** Value indexes of the multi-valued lists appended to so far, kept while only appends touch them. */
  indexes: WeakMap<JsonObject[], ValueIndex>;
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const mutability = (detail: string) => new ScimError(400, 'mutability', detail);

/**
 * Applies `operations` to `current` (the resource as GET returns it, or its stored data) and
 * returns the new normalized data to store; throws ScimError and leaves `current` untouched
 * (RFC 7644 §3.5.2). Group `members` operations must be taken out first (`splitMemberOperations`).
 */
export function applyPatch(resourceType: ResourceTypeDefinition, current: JsonObject, operations: readonly PatchOperation[], options: PatchOptions): ScimData {
  const run: Run = {
    resourceType,
    id: typeof current.id === 'string' ? current.id : undefined,
    normalize: { tenantRoles: allowedRoles(options.tenantRoles, current) },
    indexes: new WeakMap(),
  };
  const working = normalizeResource(resourceType, current, run.normalize);
  for (const operation of operations) applyOperation(run, working, operation);
  return normalizeResource(resourceType, working, run.normalize);
}

function applyOperation(run: Run, working: ScimData, operation: PatchOperation): void {
  const { op, path, value } = operation;
  if (path !== undefined) {
    apply(run, working, op, requirePath(run.resourceType, operationPath(operation, path), path), value);
    return;
  }
  if (op === 'remove') throw new ScimError(400, 'noTarget', 'A "remove" operation needs a "path" naming what to remove.');
  if (!isObject(value)) throw new ScimError(400, 'invalidValue', `An "${op}" without a "path" needs an object "value" of attributes; got ${JSON.stringify(value)}.`);
  for (const [key, keyValue] of Object.entries(value)) applyKey(run, working, op, key, keyValue);
}

/** One key of a pathless add/replace value, treated as a path (interop: Entra's dotted keys). */
function applyKey(run: Run, working: ScimData, op: Op, key: string, value: unknown): void {
  const { resourceType } = run;
  if (sameName(key, 'schemas') || sameName(key, ENTRA_GROUP_URN)) return;
  const block = sameName(key, resourceType.schema.id) ? resourceType.schema : findExtension(resourceType, key);
  if (block) {
    if (!isObject(value)) throw new ScimError(400, 'invalidValue', `"${key}" must be an object of ${block.name} attributes.`);
    for (const [name, inner] of Object.entries(value)) applyKey(run, working, op, `${block.id}:${name}`, inner);
    return;
  }
  if (sameName(key, 'id')) {
    if (value !== run.id) throw mutability(`"id" is readOnly: the value ${JSON.stringify(value)} is not this resource's id.`);
    return;
  }
  let target: PatchTarget | undefined;
  try {
    target = bindPath(resourceType, parsePatchPath(key), key);
  } catch (error) {
    // A key that is no path at all is an unknown attribute: ignored, as in a POST body.
    if (error instanceof ScimError && error.scimType === 'invalidPath') return;
    throw error;
  }
  if (target) apply(run, working, op, target, value);
  else if (key.includes(':')) checkUnknownUrnKey(resourceType, key, value);
}

function apply(run: Run, working: ScimData, op: Op, target: PatchTarget, value: unknown): void {
  const { attribute } = target.attribute;
  if (attribute.mutability === 'readOnly' || target.sub?.mutability === 'readOnly') {
    throw mutability(`"${target.text}" is readOnly and cannot be changed.`);
  }
  if (attribute.mutability === 'writeOnly' || target.sub?.mutability === 'writeOnly') return;
  if (target.attribute.origin === 'core' && run.resourceType.storedSeparately?.includes(attribute.name)) {
    throw new Error(`${run.resourceType.name} "${attribute.name}" operations must be split out before applyPatch`);
  }
  const holder = holderOf(working, target, op !== 'remove');
  if (!holder) return;
  if (op === 'remove') remove(run, holder, target, value);
  else if (attribute.multiValued) addOrReplaceMany(run, holder, op, target, value);
  else addOrReplaceOne(holder, target, value);
}

/** The object holding the target attribute: the resource, or its extension block (created for writes). */
function holderOf(working: ScimData, target: PatchTarget, create: boolean): JsonObject | undefined {
  if (target.attribute.origin !== 'extension') return working;
  const urn = target.attribute.schema;
  const block = working[urn];
  if (isObject(block)) return block;
  if (!create) return undefined;
  const fresh: JsonObject = {};
  working[urn] = fresh;
  return fresh;
}

function same(definition: AttributeDefinition | undefined, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && definition && !definition.caseExact) return foldCase(a) === foldCase(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

/** RFC 7643 §7 immutable: may be set while unassigned, never changed after. */
function checkImmutable(definition: AttributeDefinition, before: unknown, after: unknown, text: string): void {
  if (definition.mutability === 'immutable' && before !== undefined && !same(definition, before, after)) {
    throw mutability(`"${text}" is immutable: it is already set and cannot be changed.`);
  }
}

/** Writes `sub` of `element`, respecting its mutability. */
function setSub(element: JsonObject, sub: AttributeDefinition, value: unknown, text: string): void {
  checkImmutable(sub, element[sub.name], value, text);
  element[sub.name] = value;
}

function addOrReplaceOne(holder: JsonObject, target: PatchTarget, raw: unknown): void {
  const { attribute } = target.attribute;
  const current = holder[attribute.name];
  if (target.sub) {
    const element = isObject(current) ? current : {};
    setSub(element, target.sub, normalizeValue(target.sub, raw, target.text), target.text);
    holder[attribute.name] = element;
    return;
  }
  if (attribute.type !== 'complex') {
    const value = normalizeValue(attribute, raw, target.text);
    checkImmutable(attribute, current, value, target.text);
    holder[attribute.name] = value;
    return;
  }
  // Entra sends the manager as a bare id at times.
  const shaped = typeof raw === 'string' && findSubAttribute(attribute, 'value') ? { value: raw } : raw;
  const value = normalizeValue(attribute, shaped, target.text);
  if (value === undefined) {
    holder[attribute.name] = undefined;
    return;
  }
  const element = isObject(current) ? current : {};
  for (const [name, sub] of Object.entries(value as JsonObject)) setSub(element, findSubAttribute(attribute, name)!, sub, `${target.text}.${name}`);
  holder[attribute.name] = element;
}

function elementsOf(holder: JsonObject, name: string): JsonObject[] {
  const list = holder[name];
  return Array.isArray(list) ? (list as JsonObject[]) : [];
}

/** `element` agrees with every sub-attribute `probe` carries (so adding `probe` changes nothing). */
function covers(attribute: AttributeDefinition, element: JsonObject, probe: JsonObject): boolean {
  return Object.entries(probe).every(([name, value]) => same(findSubAttribute(attribute, name), element[name], value));
}

/** The comparison key of an element's `value` (folded when the sub-attribute is caseExact=false). */
function valueKey(attribute: AttributeDefinition, value: unknown): string {
  const sub = findSubAttribute(attribute, 'value');
  return typeof value === 'string' && sub && !sub.caseExact ? foldCase(value) : JSON.stringify(value);
}

/**
 * Which elements of a list each probe covers, found through an index on `value`: a probe carrying
 * a `value` is compared only with the elements of that value, so the work stays linear in both.
 */
class ValueIndex {
  readonly #attribute: AttributeDefinition;
  readonly #elements: readonly JsonObject[];
  readonly #byValue = new Map<string, JsonObject[]>();

  constructor(attribute: AttributeDefinition, elements: readonly JsonObject[]) {
    this.#attribute = attribute;
    this.#elements = elements;
    this.add(elements);
  }

  /** Indexes elements appended to the list. */
  add(elements: readonly JsonObject[]): void {
    for (const element of elements) {
      const key = valueKey(this.#attribute, element.value);
      const bucket = this.#byValue.get(key);
      if (bucket) bucket.push(element);
      else this.#byValue.set(key, [element]);
    }
  }

  covering(probe: JsonObject): JsonObject[] {
    const candidates = isObject(probe) && 'value' in probe ? (this.#byValue.get(valueKey(this.#attribute, probe.value)) ?? []) : this.#elements;
    return candidates.filter((element) => covers(this.#attribute, element, probe));
  }
}

/** RFC 7644 §3.5.2: a value written with `primary: true` takes primary from every other element. */
function settlePrimary(elements: JsonObject[], written: readonly JsonObject[]): void {
  if (!written.some((element) => element.primary === true)) return;
  const writtenSet = new Set(written);
  for (const element of elements) if (!writtenSet.has(element) && element.primary === true) element.primary = false;
}

/** Exactly one element for a filtered write without a sub-attribute. */
function oneElement(attribute: AttributeDefinition, raw: unknown, text: string): JsonObject {
  const value = normalizeValue(attribute, raw, text) as JsonObject[] | undefined;
  if (value?.length !== 1) throw new ScimError(400, 'invalidValue', `"${text}" selects elements: its value must be one object of ${attribute.name} sub-attributes.`);
  return value[0]!;
}

/** The element a filter describes when all it says is `a eq x and b eq y` (interop decision 2). */
function elementFromFilter(attribute: AttributeDefinition, filter: Filter): JsonObject | undefined {
  if (filter.kind === 'and') {
    const left = elementFromFilter(attribute, filter.left);
    const right = elementFromFilter(attribute, filter.right);
    return left && right ? { ...left, ...right } : undefined;
  }
  if (filter.kind !== 'compare' || filter.op !== 'eq') return undefined;
  const sub = findSubAttribute(attribute, filter.path.name);
  if (!sub) return undefined;
  // A bare number in a filter on a string means its text (`value eq 5551234`), as the evaluator reads it.
  const literal = typeof filter.value === 'number' && (sub.type === 'string' || sub.type === 'reference') ? String(filter.value) : filter.value;
  const value = coerceSimple(sub, literal, `${attribute.name}.${sub.name}`);
  return value === undefined ? undefined : { [sub.name]: value };
}

function addOrReplaceMany(run: Run, holder: JsonObject, op: Op, target: PatchTarget, raw: unknown): void {
  const { attribute } = target.attribute;
  const elements = elementsOf(holder, attribute.name);
  const { filter, sub, text } = target;
  // Every write but a plain append may change elements in place: the list's index is rebuilt when next needed.
  if (filter || sub || op === 'replace') run.indexes.delete(elements);
  if (filter) {
    const matched = elements.filter((element) => filter.matches(element));
    if (matched.length === 0) {
      const seed = elementFromFilter(attribute, filter.ast);
      if (!seed) throw new ScimError(400, 'noTarget', `No "${attribute.name}" element matches "${text}", and its filter does not say which element to create (only "eq" terms joined by "and" can).`);
      const created = sub ? { ...seed, [sub.name]: normalizeValue(sub, raw, text) } : { ...seed, ...oneElement(attribute, raw, text) };
      settlePrimary(elements, [created]);
      holder[attribute.name] = [...elements, created];
      return;
    }
    const written = sub ? matched : matched.map(() => oneElement(attribute, raw, text));
    matched.forEach((element, i) => {
      if (sub) setSub(element, sub, normalizeValue(sub, raw, text), text);
      // add merges into the matched element; replace swaps it for the value (RFC 7644 §3.5.2.3).
      else if (op === 'add') Object.assign(element, written[i]);
      else elements[elements.indexOf(element)] = written[i]!;
    });
    settlePrimary(elements, op === 'add' && !sub ? matched : written);
    holder[attribute.name] = elements;
    return;
  }
  if (sub) {
    // `emails.value` without a filter: every element; the first one when there is none.
    const value = normalizeValue(sub, raw, text);
    const targets = elements.length ? elements : [{}];
    for (const element of targets) setSub(element, sub, value, text);
    holder[attribute.name] = elements.length ? elements : targets;
    return;
  }
  const incoming = (normalizeValue(attribute, raw, text) as JsonObject[] | undefined) ?? [];
  if (op === 'replace') {
    holder[attribute.name] = incoming;
    return;
  }
  // Appended in place, so the list keeps its index across a request's many adds.
  let index = run.indexes.get(elements);
  if (!index) run.indexes.set(elements, (index = new ValueIndex(attribute, elements)));
  const added = incoming.filter((probe) => index.covering(probe).length === 0);
  settlePrimary(elements, added);
  elements.push(...added);
  index.add(added);
  holder[attribute.name] = elements;
}

function remove(run: Run, holder: JsonObject, target: PatchTarget, raw: unknown): void {
  const { attribute } = target.attribute;
  const { filter, sub, text } = target;
  const definition = sub ?? attribute;
  if (definition.required && !filter) throw mutability(`"${text}" is required and cannot be removed.`);
  const current = holder[attribute.name];
  if (current === undefined) return;
  if (!attribute.multiValued) {
    if (!sub) {
      checkImmutable(attribute, current, undefined, text);
      holder[attribute.name] = undefined;
    } else if (isObject(current)) setSub(current, sub, undefined, text);
    return;
  }
  const elements = elementsOf(holder, attribute.name);
  const selected = filter ? elements.filter((element) => filter.matches(element)) : elements;
  if (sub) {
    run.indexes.delete(elements);
    for (const element of selected) setSub(element, sub, undefined, text);
    return;
  }
  // Entra: `remove` with a value list and no filter removes only the listed elements.
  const listed = !filter && raw !== undefined && raw !== null ? ((normalizeValue(attribute, raw, text) as JsonObject[] | undefined) ?? []) : undefined;
  const index = listed && new ValueIndex(attribute, elements);
  const doomed = index ? new Set(listed.flatMap((probe) => index.covering(probe))) : new Set(selected);
  for (const element of doomed) checkImmutable(attribute, element, undefined, text);
  holder[attribute.name] = elements.filter((element) => !doomed.has(element));
}
