/**
 * Attribute resolution for filters: the same `findAttribute` for whole resources, and the
 * sub-attributes of one element inside `emails[…]` (RFC 7644 §3.4.2.2 valuePath), with the
 * filter-specific refusals (unknown names, `returned: never` attributes).
 */
import { findAttribute, findSubAttribute, type ResolvedAttribute } from '../schema/resource-types.ts';
import type { AttrPath, ResourceTypeDefinition } from '../schema/types.ts';
import type { Filter } from './ast.ts';
import { invalidFilter, prepareComparison, type PreparedComparison } from './comparison.ts';

/** Resolves a filter path relative to the value under test; undefined when the name is unknown. */
export type AttributeResolver = (path: AttrPath) => ResolvedAttribute | undefined;

/** Resolves paths against a whole resource of `resourceType` (case-insensitive, optionally URN-qualified). */
export function resourceResolver(resourceType: ResourceTypeDefinition): AttributeResolver {
  return (path) => findAttribute(resourceType, path);
}

/** Resolves the plain sub-attribute names used inside `parent[…]` against one element of `parent`. */
export function elementResolver(parent: ResolvedAttribute): AttributeResolver {
  return (path) => {
    if (path.uri !== undefined || path.subAttr !== undefined) return undefined;
    const sub = findSubAttribute(parent.definition, path.name);
    if (!sub) return undefined;
    return { origin: parent.origin, schema: parent.schema, attribute: sub, definition: sub, path: { name: sub.name }, keys: [sub.name] };
  };
}

/** `resolve(path)`, or 400 `invalidFilter` for an unknown attribute or one that is never returned (password). */
export function resolveFilterAttribute(resolve: AttributeResolver, path: AttrPath): ResolvedAttribute {
  const resolved = resolve(path);
  if (!resolved) throw invalidFilter(path, 'no such attribute');
  if (resolved.definition.returned === 'never' || resolved.attribute.returned === 'never') {
    throw invalidFilter(path, 'the attribute is never returned, so it cannot be filtered on');
  }
  return resolved;
}

/** The parent of `parent[…]`, which must be a multi-valued complex attribute without a sub-attribute. */
export function resolveValuePathParent(resolve: AttributeResolver, path: AttrPath): ResolvedAttribute {
  const parent = resolveFilterAttribute(resolve, path);
  if (parent.definition.type !== 'complex' || !parent.definition.multiValued) {
    throw invalidFilter(path, 'brackets apply only to multi-valued complex attributes such as emails');
  }
  return parent;
}

/** A `compare` or `pr` node checked and read against `resolve` (`pr` is a presence test on the attribute itself). */
export function prepareLeaf(resolve: AttributeResolver, filter: Extract<Filter, { kind: 'compare' | 'present' }>): PreparedComparison {
  const resolved = resolveFilterAttribute(resolve, filter.path);
  if (filter.kind === 'present') return { attribute: resolved, test: { kind: 'present' }, negate: false };
  return prepareComparison(resolved, filter.op, filter.value);
}
