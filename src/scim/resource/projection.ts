/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9), driven by each attribute's
 * `returned` (RFC 7643 §7): `always` is returned even when excluded or not asked for, `never` is
 * never returned, `request` only when named, `default` unless excluded or another list is asked for.
 * Names are case-insensitive and may be URN-qualified or name a whole extension; names we do not
 * know are ignored (RFC 7644 allows it), in both lists alike. When both lists are given,
 * `attributes` wins, since it overrides the default set that `excludedAttributes` subtracts from.
 */
import { EXTERNAL_ID_ATTRIBUTE, ID_ATTRIBUTE, META_ATTRIBUTE } from '../schema/common.ts';
import { findAttribute, findExtension } from '../schema/resource-types.ts';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.ts';
import { isObject, type JsonObject } from './json.ts';

/** A selected attribute as canonical keys from the resource root: `['name','givenName']`, `[extensionUrn]`. */
export type AttributeSelector = readonly string[];

/** The two projection parameters as the client sent them (comma-separated strings or lists). */
export interface Projection {
  attributes?: string | readonly string[];
  excludedAttributes?: string | readonly string[];
}

/** Parses an `attributes`/`excludedAttributes` value (RFC 7644 §3.4.2.5) into selectors; unknown names are dropped. */
export function parseAttributeList(resourceType: ResourceTypeDefinition, list: string | readonly string[]): AttributeSelector[] {
  const items = (typeof list === 'string' ? [list] : list).flatMap((item) => item.split(','));
  const selectors: AttributeSelector[] = [];
  for (const raw of items) {
    const item = raw.trim();
    const extension = findExtension(resourceType, item);
    if (extension) {
      selectors.push([extension.id]);
      continue;
    }
    // `[urn:…:]name[.sub]`: the URN ends at the last ':', and holds dots itself (`2.0`).
    const colon = item.lastIndexOf(':');
    const [name = '', subAttr, extra] = item.slice(colon + 1).split('.');
    if (extra !== undefined) continue;
    const resolved = findAttribute(resourceType, { ...(colon >= 0 ? { uri: item.slice(0, colon) } : {}), name, ...(subAttr === undefined ? {} : { subAttr }) });
    if (resolved) selectors.push(resolved.keys);
  }
  return selectors;
}

const startsWith = (keys: readonly string[], prefix: readonly string[]): boolean => prefix.length <= keys.length && prefix.every((k, i) => k === keys[i]);

type Rule = (definition: AttributeDefinition, keys: readonly string[]) => boolean;

function listRule(resourceType: ResourceTypeDefinition, projection: Projection): Rule {
  const asked = projection.attributes === undefined ? [] : parseAttributeList(resourceType, projection.attributes);
  if (asked.length > 0) {
    return (definition, keys) => {
      if (definition.returned === 'always') return true;
      if (definition.returned === 'never') return false;
      // Named itself, or (default only) through its parent, or a parent of something named.
      return asked.some((a) => (definition.returned === 'request' ? a.length === keys.length : true) && startsWith(keys, a)) || asked.some((a) => a.length > keys.length && startsWith(a, keys));
    };
  }
  const excluded = projection.excludedAttributes === undefined ? [] : parseAttributeList(resourceType, projection.excludedAttributes);
  return (definition, keys) => {
    if (definition.returned === 'always') return true;
    if (definition.returned !== 'default') return false;
    return !excluded.some((e) => startsWith(keys, e));
  };
}

function projectComplex(definition: AttributeDefinition, value: unknown, keys: readonly string[], rule: Rule): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  const out: JsonObject = {};
  for (const sub of definition.subAttributes ?? []) {
    if (value[sub.name] !== undefined && rule(sub, [...keys, sub.name])) out[sub.name] = value[sub.name];
  }
  return Object.keys(out).length ? out : undefined;
}

function projectAttribute(definition: AttributeDefinition, value: unknown, keys: readonly string[], rule: Rule): unknown {
  if (value === undefined || !rule(definition, keys)) return undefined;
  if (definition.type !== 'complex') return value;
  if (!definition.multiValued) return projectComplex(definition, value, keys, rule);
  if (!Array.isArray(value)) return undefined;
  const elements = value.map((element) => projectComplex(definition, element, keys, rule)).filter((e) => e !== undefined);
  // An empty list the caller computed (`members: []`) stays; elements emptied by projection go.
  return elements.length || value.length === 0 ? elements : undefined;
}

function projectBlock(attributes: readonly AttributeDefinition[], source: JsonObject, prefix: readonly string[], rule: Rule): JsonObject {
  const out: JsonObject = {};
  for (const definition of attributes) {
    const value = projectAttribute(definition, source[definition.name], [...prefix, definition.name], rule);
    if (value !== undefined) out[definition.name] = value;
  }
  return out;
}

/**
 * The resource as the client asked to see it (RFC 7644 §3.4.2.5): `schemas` and `id` always,
 * `password` never; attributes outside the definitions are dropped.
 */
export function projectResource(resourceType: ResourceTypeDefinition, resource: JsonObject, projection: Projection = {}): JsonObject {
  const rule = listRule(resourceType, projection);
  const out: JsonObject = { schemas: resource.schemas };
  Object.assign(out, projectBlock([ID_ATTRIBUTE, EXTERNAL_ID_ATTRIBUTE, ...resourceType.schema.attributes], resource, [], rule));
  for (const { schema } of resourceType.schemaExtensions) {
    const block = resource[schema.id];
    // The block goes when none of its attributes survives (which also covers excluding the URN itself).
    const projected = isObject(block) ? projectBlock(schema.attributes, block, [schema.id], rule) : {};
    if (Object.keys(projected).length) out[schema.id] = projected;
  }
  return Object.assign(out, projectBlock([META_ATTRIBUTE], resource, [], rule));
}

/** Whether the projection returns the top-level attribute `name`, so callers can skip computing `members` or `groups`. */
export function projectionIncludes(resourceType: ResourceTypeDefinition, name: string, projection: Projection = {}): boolean {
  const resolved = findAttribute(resourceType, { name });
  if (!resolved) return false;
  const rule = listRule(resourceType, projection);
  // Included itself, or through a sub-attribute that was asked for.
  return rule(resolved.attribute, resolved.keys);
}
