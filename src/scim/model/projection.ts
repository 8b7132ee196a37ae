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

/** Neither list given: what `returned` says by itself. One function for every such request. */
const defaultRule: Rule = (definition) => definition.returned === 'always' || definition.returned === 'default';

function listRule(resourceType: ResourceTypeDefinition, projection: Projection): Rule {
  if (projection.attributes === undefined && projection.excludedAttributes === undefined) return defaultRule;
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

/** An attribute with its canonical keys from the resource root, and its sub-attributes likewise. */
interface Planned {
  definition: AttributeDefinition;
  keys: readonly string[];
  subs: readonly Planned[];
}

/** A resource type's attributes in response order, keys computed once per isolate rather than per resource. */
interface Plan {
  core: readonly Planned[];
  extensions: readonly { id: string; attributes: readonly Planned[] }[];
  meta: readonly Planned[];
}

const plans = new WeakMap<ResourceTypeDefinition, Plan>();

function planned(attributes: readonly AttributeDefinition[], prefix: readonly string[]): Planned[] {
  return attributes.map((definition) => {
    const keys = [...prefix, definition.name];
    return { definition, keys, subs: planned(definition.subAttributes ?? [], keys) };
  });
}

function planOf(resourceType: ResourceTypeDefinition): Plan {
  let plan = plans.get(resourceType);
  if (!plan) {
    plan = {
      core: planned([ID_ATTRIBUTE, EXTERNAL_ID_ATTRIBUTE, ...resourceType.schema.attributes], []),
      extensions: resourceType.schemaExtensions.map(({ schema }) => ({ id: schema.id, attributes: planned(schema.attributes, [schema.id]) })),
      meta: planned([META_ATTRIBUTE], []),
    };
    plans.set(resourceType, plan);
  }
  return plan;
}

function projectComplex(attribute: Planned, value: unknown, rule: Rule): JsonObject | undefined {
  if (!isObject(value)) return undefined;
  const out: JsonObject = {};
  let kept = false;
  for (const sub of attribute.subs) {
    const name = sub.definition.name;
    if (value[name] !== undefined && rule(sub.definition, sub.keys)) {
      out[name] = value[name];
      kept = true;
    }
  }
  return kept ? out : undefined;
}

function projectAttribute(attribute: Planned, value: unknown, rule: Rule): unknown {
  const { definition } = attribute;
  if (value === undefined || !rule(definition, attribute.keys)) return undefined;
  if (definition.type !== 'complex') return value;
  if (!definition.multiValued) return projectComplex(attribute, value, rule);
  if (!Array.isArray(value)) return undefined;
  const elements: JsonObject[] = [];
  for (const element of value) {
    const projected = projectComplex(attribute, element, rule);
    if (projected !== undefined) elements.push(projected);
  }
  // An empty list the caller computed (`members: []`) stays; elements emptied by projection go.
  return elements.length || value.length === 0 ? elements : undefined;
}

/** Projects `attributes` of `source` into `out`; whether any was kept. */
function projectBlock(attributes: readonly Planned[], source: JsonObject, rule: Rule, out: JsonObject): boolean {
  let kept = false;
  for (const attribute of attributes) {
    const value = projectAttribute(attribute, source[attribute.definition.name], rule);
    if (value !== undefined) {
      out[attribute.definition.name] = value;
      kept = true;
    }
  }
  return kept;
}

/**
 * The resource as the client asked to see it (RFC 7644 §3.4.2.5): `schemas` and `id` always,
 * `password` never; attributes outside the definitions are dropped.
 */
export function projectResource(resourceType: ResourceTypeDefinition, resource: JsonObject, projection: Projection = {}): JsonObject {
  const rule = listRule(resourceType, projection);
  const plan = planOf(resourceType);
  const out: JsonObject = { schemas: resource.schemas };
  projectBlock(plan.core, resource, rule, out);
  for (const extension of plan.extensions) {
    const block = resource[extension.id];
    // The block goes when none of its attributes survives (which also covers excluding the URN itself).
    const projected: JsonObject = {};
    if (isObject(block) && projectBlock(extension.attributes, block, rule, projected)) out[extension.id] = projected;
  }
  projectBlock(plan.meta, resource, rule, out);
  return out;
}

/** Whether the projection returns the top-level attribute `name`, so callers can skip computing `members` or `groups`. */
export function projectionIncludes(resourceType: ResourceTypeDefinition, name: string, projection: Projection = {}): boolean {
  const resolved = findAttribute(resourceType, { name });
  if (!resolved) return false;
  const rule = listRule(resourceType, projection);
  // Included itself, or through a sub-attribute that was asked for.
  return rule(resolved.attribute, resolved.keys);
}
