/**
 * The one validation path for resource bodies (POST, PUT, and every PATCH result): turns what a
 * client sent into the normalized JSON we store (see src/db/schema.ts). RFC 7643 §2 and §7 plus
 * the decisions of docs/interop.md:
 * - names are case-insensitive and stored in canonical case; unknown attributes are dropped;
 * - `null`, `""` and `[]` mean unassigned and are not stored; no value is trimmed;
 * - readOnly (id, meta, groups, manager.displayName, …) and writeOnly (password) input is ignored;
 * - a single value where a multi-valued attribute is expected is wrapped; a bare value where a
 *   multi-valued complex attribute has a `value` sub-attribute becomes `{value}` (so `roles: "admin"`
 *   is `[{value: "admin"}]`); a one-element array where a single value is expected is unwrapped, and
 *   `{value: x}` where a simple value is expected is `x` (Entra's PATCH shapes);
 * - identical elements of a multi-valued attribute are stored once; when several are `primary`,
 *   the first keeps it and the others get `primary: false` (RFC 7643 §2.4 allows one);
 * - `schemas` becomes the core URN plus the extensions that actually carry attributes.
 */
import type { StoredData } from '../../db/schema.ts';
import { ScimError } from '../../http/errors.ts';
import { MAX_VALUES_PER_ATTRIBUTE } from '../limits.ts';
import { COMMON_ATTRIBUTES } from '../schema/common.ts';
import { findAttribute, findByName, findExtension, findSchema, findSubAttribute } from '../schema/resource-types.ts';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.ts';
import { ENTRA_GROUP_URN, USER_URN } from '../schema/urns.ts';
import { getInsensitive, isObject, type JsonObject } from './json.ts';
import { coerceSimple } from './values.ts';

/** A resource as stored in the `data` column: `schemas` plus canonical attributes, extensions under their URN. */
export type ScimData = StoredData;

/** Tenant context normalization needs. */
export interface NormalizeOptions {
  /** The tenant's role catalog: the only values `roles` may carry (interop decision 7). */
  tenantRoles: readonly string[];
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Validates a POST/PUT body (or a PATCH result) for `resourceType` and returns the normalized
 * data to store; throws ScimError 400 (invalidSyntax for a malformed envelope, invalidValue for
 * bad values) — RFC 7643 §2, RFC 7644 §3.3/§3.5.1.
 */
export function normalizeResource(resourceType: ResourceTypeDefinition, body: unknown, options: NormalizeOptions): ScimData {
  if (!isObject(body)) throw new ScimError(400, 'invalidSyntax', `A ${resourceType.name} must be a JSON object.`);
  checkSchemas(resourceType, getInsensitive(body, 'schemas'));
  const blocks = gather(resourceType, body);
  const out: ScimData = { schemas: [resourceType.schema.id] };
  const core = normalizeBlock(resourceType, resourceType.schema, blocks.get(resourceType.schema.id) ?? {}, '', options);
  Object.assign(out, core);
  for (const { schema } of resourceType.schemaExtensions) {
    const block = normalizeBlock(resourceType, schema, blocks.get(schema.id) ?? {}, `${schema.id}:`, options);
    if (Object.keys(block).length === 0) continue;
    out.schemas.push(schema.id);
    out[schema.id] = block;
  }
  for (const attribute of resourceType.schema.attributes) {
    const value = out[attribute.name];
    if (attribute.required && (value === undefined || (typeof value === 'string' && value.trim() === ''))) {
      throw new ScimError(400, 'invalidValue', `Attribute "${attribute.name}" is required and must be a non-empty ${attribute.type}.`);
    }
  }
  return out;
}

/** RFC 7643 §3: `schemas` must be an array of URNs that names the resource type's core schema. */
function checkSchemas(resourceType: ResourceTypeDefinition, schemas: unknown): void {
  if (!Array.isArray(schemas) || !schemas.every((s) => typeof s === 'string')) {
    throw new ScimError(400, 'invalidSyntax', `"schemas" must be an array of schema URNs including "${resourceType.schema.id}".`);
  }
  if (!schemas.some((s) => sameName(s, resourceType.schema.id))) {
    throw new ScimError(400, 'invalidValue', `"schemas" must include "${resourceType.schema.id}" for a ${resourceType.name}; got ${JSON.stringify(schemas)}.`);
  }
}

/**
 * Sorts the body's keys into raw attribute blocks per schema URN (core attributes under the core
 * URN), keyed by canonical attribute name. URN-qualified keys (`urn:…:enterprise:2.0:User:department`)
 * and URN blocks are both understood; later keys win.
 */
function gather(resourceType: ResourceTypeDefinition, body: JsonObject): Map<string, JsonObject> {
  const blocks = new Map<string, JsonObject>();
  const put = (schemaId: string, name: string, raw: unknown): void => {
    const block = blocks.get(schemaId) ?? {};
    block[name] = raw;
    blocks.set(schemaId, block);
  };
  for (const [key, raw] of Object.entries(body)) {
    if (sameName(key, 'schemas')) continue;
    const blockSchema = sameName(key, resourceType.schema.id) ? resourceType.schema : findExtension(resourceType, key);
    if (blockSchema) {
      if (raw === null) continue;
      if (!isObject(raw)) throw new ScimError(400, 'invalidValue', `"${key}" must be an object of ${blockSchema.name} attributes.`);
      for (const [name, value] of Object.entries(raw)) {
        const attribute = findByName(blockSchema.attributes, name);
        if (attribute) put(blockSchema.id, attribute.name, value);
      }
      continue;
    }
    const resolved = findAttribute(resourceType, { name: key });
    if (resolved) put(resolved.origin === 'extension' ? resolved.schema : resourceType.schema.id, resolved.attribute.name, raw);
    else if (key.includes(':')) checkUnknownUrnKey(resourceType, key, raw);
  }
  return blocks;
}

/** Interop decision 4: an unknown schema URN key carrying attributes is 400 invalidValue, not silently dropped. */
export function checkUnknownUrnKey(resourceType: ResourceTypeDefinition, key: string, raw: unknown): void {
  if (sameName(key, ENTRA_GROUP_URN)) return;
  // `<known URN>:<unknown attribute>` is just an unknown attribute: ignored like any other.
  const prefix = key.slice(0, key.lastIndexOf(':'));
  if (findSchema(prefix)) return;
  const carriesAttributes = raw !== null && !(isObject(raw) && Object.values(raw).every((v) => v === null));
  if (carriesAttributes) {
    const allowed = resourceType.schemaExtensions.map((e) => e.schema.id);
    throw new ScimError(400, 'invalidValue', `Unknown schema extension "${key}" for a ${resourceType.name}; supported extensions: ${allowed.length ? allowed.join(', ') : 'none'}.`);
  }
}

/** The normalized attributes of one schema, in definition order. */
function normalizeBlock(resourceType: ResourceTypeDefinition, schema: SchemaDefinition, raw: JsonObject, prefix: string, options: NormalizeOptions): JsonObject {
  const out: JsonObject = {};
  const definitions = schema === resourceType.schema ? [...COMMON_ATTRIBUTES, ...schema.attributes] : schema.attributes;
  for (const definition of definitions) {
    if (!isStored(resourceType, schema, definition)) continue;
    const value = normalizeValue(definition, raw[definition.name], `${prefix}${definition.name}`);
    if (value !== undefined) out[definition.name] = value;
  }
  if (schema.id === USER_URN && Array.isArray(out.roles)) out.roles = checkRoles(out.roles as JsonObject[], options.tenantRoles);
  return out;
}

function isStored(resourceType: ResourceTypeDefinition, schema: SchemaDefinition, definition: AttributeDefinition): boolean {
  if (definition.mutability === 'readOnly' || definition.mutability === 'writeOnly') return false;
  return !(schema === resourceType.schema && resourceType.storedSeparately?.includes(definition.name));
}

/** One attribute's value normalized by the rules above (`where` names it in errors); undefined when unassigned. */
export function normalizeValue(definition: AttributeDefinition, raw: unknown, where: string): unknown {
  if (raw === null || raw === undefined) return undefined;
  if (definition.multiValued) return normalizeMultiValued(definition, raw, where);
  if (definition.type === 'complex') return normalizeComplex(definition, unwrapArray(raw, where), where);
  return coerceSimple(definition, unwrapSimple(raw, where), where);
}

/** Entra wraps single values in a one-element array. */
function unwrapArray(raw: unknown, where: string): unknown {
  if (!Array.isArray(raw)) return raw;
  if (raw.length === 1) return raw[0];
  throw new ScimError(400, 'invalidValue', `Attribute "${where}" is single-valued; got an array of ${raw.length} values.`);
}

/** Entra's `[{"value": "x"}]` for a simple single-valued attribute is `"x"`. */
function unwrapSimple(raw: unknown, where: string): unknown {
  const single = unwrapArray(raw, where);
  return isObject(single) && 'value' in single ? single.value : single;
}

function normalizeComplex(definition: AttributeDefinition, raw: unknown, where: string): JsonObject | undefined {
  if (!isObject(raw)) throw new ScimError(400, 'invalidValue', `Attribute "${where}" must be an object; got ${JSON.stringify(raw)}.`);
  const out: JsonObject = {};
  for (const [name, value] of Object.entries(raw)) {
    const sub = findSubAttribute(definition, name);
    if (!sub || sub.mutability === 'readOnly' || sub.mutability === 'writeOnly') continue;
    const coerced = coerceSimple(sub, unwrapSimple(value, `${where}.${sub.name}`), `${where}.${sub.name}`);
    if (coerced !== undefined) out[sub.name] = coerced;
  }
  // Definition order, so equal resources serialize equally.
  const ordered: JsonObject = {};
  for (const sub of definition.subAttributes ?? []) if (sub.name in out) ordered[sub.name] = out[sub.name];
  return Object.keys(ordered).length ? ordered : undefined;
}

function normalizeMultiValued(definition: AttributeDefinition, raw: unknown, where: string): unknown[] | undefined {
  if (Array.isArray(raw) && raw.length > MAX_VALUES_PER_ATTRIBUTE) {
    throw new ScimError(400, 'invalidValue', `Attribute "${where}" holds ${raw.length} values; at most ${MAX_VALUES_PER_ATTRIBUTE} are accepted in one request.`);
  }
  const hasValue = definition.type === 'complex' && findSubAttribute(definition, 'value') !== undefined;
  const values: unknown[] = [];
  for (const element of Array.isArray(raw) ? raw : [raw]) {
    if (element === null || element === undefined) continue;
    let value: unknown;
    if (definition.type !== 'complex') value = coerceSimple(definition, element, where);
    else value = normalizeComplex(definition, hasValue && !isObject(element) ? { value: element } : element, where);
    if (value !== undefined) values.push(value);
  }
  // Primary first, then de-duplication, so a second pass changes nothing.
  if (definition.type === 'complex') keepFirstPrimary(values as JsonObject[]);
  const out = unique(values);
  return out.length ? out : undefined;
}

/** Identical elements once, first occurrence kept. */
function unique<T>(values: T[]): T[] {
  const seen = new Set<string>();
  return values.filter((value) => {
    const key = JSON.stringify(value);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** RFC 7643 §2.4: `primary: true` at most once; the first one wins. */
function keepFirstPrimary(elements: JsonObject[]): void {
  let seenPrimary = false;
  for (const element of elements) {
    if (element.primary !== true) continue;
    if (seenPrimary) element.primary = false;
    seenPrimary = true;
  }
}

/** Interop decision 7: every role must be in the tenant's catalog; stored in the catalog's spelling. */
function checkRoles(roles: JsonObject[], catalog: readonly string[]): JsonObject[] {
  const canonical = roles.map((role) => {
    const value = role.value;
    const known = typeof value === 'string' ? catalog.find((r) => sameName(r, value)) : undefined;
    if (known === undefined) {
      const got = value === undefined ? 'a role without a "value"' : `"${String(value)}"`;
      throw new ScimError(400, 'invalidValue', `roles: ${got} is not in this tenant's role catalog; allowed values: ${catalog.join(', ')}.`);
    }
    return { ...role, value: known };
  });
  // "Admin" and "admin" are the same role once spelled as the catalog does.
  return unique(canonical);
}
