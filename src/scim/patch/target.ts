/**
 * A PATCH `path` (RFC 7644 §3.5.2) bound to the resource type's definitions: which attribute,
 * which element filter, which sub-attribute — checked once, before anything is applied.
 */
import { ScimError } from '../../http/errors.ts';
import type { Filter, PatchPath } from '../filter/ast.ts';
import { compileMatcher, type Matcher } from '../filter/evaluate.ts';
import { elementResolver } from '../filter/resolve.ts';
import { findAttribute, findSubAttribute, type ResolvedAttribute } from '../schema/resource-types.ts';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.ts';

/** A resolved PATCH target. */
export interface PatchTarget {
  /** The top-level attribute (never with a sub-attribute: that is `sub`). */
  attribute: ResolvedAttribute;
  /** `emails[type eq "work"]`: the element filter, its matcher, and the filter itself for creating elements. */
  filter?: { ast: Filter; matches: Matcher };
  /** `name.givenName`, `emails[…].value`, `emails.value`: the sub-attribute addressed. */
  sub?: AttributeDefinition;
  /** The path as the client wrote it, for error details. */
  text: string;
}

const invalidPath = (text: string, why: string) => new ScimError(400, 'invalidPath', `PATCH path "${text}": ${why}.`);

/** Binds a parsed path to `resourceType`; undefined when the attribute is unknown (callers decide: error or ignore). */
export function bindPath(resourceType: ResourceTypeDefinition, path: PatchPath, text: string): PatchTarget | undefined {
  const { subAttr, ...attr } = path.attr;
  const attribute = findAttribute(resourceType, attr);
  if (!attribute) return undefined;
  const subName = subAttr ?? path.subAttr;
  if (subAttr !== undefined && path.valueFilter) throw invalidPath(text, 'a filter must follow the attribute, not its sub-attribute');
  const sub = subName === undefined ? undefined : findSubAttribute(attribute.attribute, subName);
  if (subName !== undefined && !sub) throw invalidPath(text, `"${attribute.attribute.name}" has no sub-attribute "${subName}"`);
  const target: PatchTarget = { attribute, text, ...(sub ? { sub } : {}) };
  if (!path.valueFilter) return target;
  if (!attribute.attribute.multiValued || attribute.attribute.type !== 'complex') {
    throw invalidPath(text, `"${attribute.attribute.name}" is not a multi-valued complex attribute, so it takes no filter`);
  }
  return { ...target, filter: { ast: path.valueFilter, matches: compileMatcher(path.valueFilter, elementResolver(attribute)) } };
}

/** Binds a path the client named explicitly: an unknown attribute is 400 invalidPath. */
export function requirePath(resourceType: ResourceTypeDefinition, path: PatchPath, text: string): PatchTarget {
  const target = bindPath(resourceType, path, text);
  if (!target) throw invalidPath(text, `no such attribute on a ${resourceType.name}`);
  return target;
}
