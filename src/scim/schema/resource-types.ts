/**
 * RFC 7643 §6 resource types, and the one attribute resolver every consumer uses (filter SQL
 * compiler, in-memory evaluator, PATCH engine, projection): names are case-insensitive and may be
 * URN-qualified (RFC 7644 §3.10).
 */
import { COMMON_ATTRIBUTES } from './common.ts';
import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.ts';
import { GROUP_SCHEMA } from './group.ts';
import type { AttrPath, AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './types.ts';
import { USER_SCHEMA } from './user.ts';

/** The User resource type: core User schema plus the optional enterprise extension (RFC 7643 §6). */
export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  schemaExtensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

/** The Group resource type (RFC 7643 §6). */
export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  schemaExtensions: [],
  storedSeparately: ['members'],
};

/** Every resource type this server serves, in `/ResourceTypes` order. */
export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];

/** Every schema this server serves, in `/Schemas` order. */
export const SCHEMAS: readonly SchemaDefinition[] = [USER_SCHEMA, ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA];

/** Where a resolved attribute is defined. */
export type AttributeOrigin = 'common' | 'core' | 'extension';

/** An attribute path resolved against a resource type's definitions, with canonical names. */
export interface ResolvedAttribute {
  origin: AttributeOrigin;
  /** URN of the defining schema (the core schema for common attributes). */
  schema: string;
  /** The top-level attribute. */
  attribute: AttributeDefinition;
  /** The sub-attribute, when the path names one. */
  subAttribute?: AttributeDefinition;
  /** `subAttribute ?? attribute`: the definition whose type, caseExact and mutability apply. */
  definition: AttributeDefinition;
  /** Canonical path: canonical names; `uri` only for extension attributes. */
  path: AttrPath;
  /** Keys from the resource root to the value: `['name','givenName']`, `[enterpriseUrn,'manager','value']`. */
  keys: string[];
}

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/** Each definition list by lower-cased name, built on its first lookup: every body key, filter and path looks names up. */
const byLowerName = new WeakMap<readonly AttributeDefinition[], Map<string, AttributeDefinition>>();

/** The attribute named `name` (case-insensitive) among `definitions` (the first, should two share a name). */
export function findByName(definitions: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  let index = byLowerName.get(definitions);
  if (!index) {
    index = new Map();
    for (const d of definitions) if (!index.has(d.name.toLowerCase())) index.set(d.name.toLowerCase(), d);
    byLowerName.set(definitions, index);
  }
  return index.get(name.toLowerCase());
}

/** The sub-attribute `name` (case-insensitive) of a complex attribute, as inside `emails[type eq "work"]`. */
export function findSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return parent.subAttributes ? findByName(parent.subAttributes, name) : undefined;
}

/** The extension of `resourceType` whose URN is `uri` (case-insensitive). */
export function findExtension(resourceType: ResourceTypeDefinition, uri: string): SchemaDefinition | undefined {
  return resourceType.schemaExtensions.find((e) => sameName(e.schema.id, uri))?.schema;
}

/** `urn:…:User:name` written as one name (no separate `uri`) split into its URN and attribute name. */
function splitUrn(path: AttrPath): { uri?: string; name: string } {
  if (path.uri !== undefined || !path.name.includes(':')) return path;
  const cut = path.name.lastIndexOf(':');
  return { uri: path.name.slice(0, cut), name: path.name.slice(cut + 1) };
}

function locate(resourceType: ResourceTypeDefinition, uri: string | undefined, name: string): { origin: AttributeOrigin; schema: SchemaDefinition; attribute: AttributeDefinition } | undefined {
  const core = resourceType.schema;
  if (uri === undefined || sameName(uri, core.id)) {
    const common = findByName(COMMON_ATTRIBUTES, name);
    if (common) return { origin: 'common', schema: core, attribute: common };
    const own = findByName(core.attributes, name);
    if (own) return { origin: 'core', schema: core, attribute: own };
    if (uri !== undefined) return undefined;
  }
  // Unqualified extension names are accepted too (lenient: RFC 7644 §3.10 asks clients to qualify them).
  const extensions = uri === undefined ? resourceType.schemaExtensions.map((e) => e.schema) : [findExtension(resourceType, uri)];
  for (const schema of extensions) {
    const attribute = schema && findByName(schema.attributes, name);
    if (schema && attribute) return { origin: 'extension', schema, attribute };
  }
  return undefined;
}

/**
 * Resolves `[URN:]name[.subAttr]` against `resourceType` (RFC 7644 §3.10), case-insensitively;
 * undefined when any part is unknown. Callers choose the error (invalidFilter, invalidPath, …).
 */
export function findAttribute(resourceType: ResourceTypeDefinition, path: AttrPath): ResolvedAttribute | undefined {
  const { uri, name } = splitUrn(path);
  const found = locate(resourceType, uri, name);
  if (!found) return undefined;
  const { origin, schema, attribute } = found;
  const head = origin === 'extension' ? [schema.id, attribute.name] : [attribute.name];
  const canonicalUri = origin === 'extension' ? { uri: schema.id } : {};
  if (path.subAttr === undefined) {
    return { origin, schema: schema.id, attribute, definition: attribute, path: { ...canonicalUri, name: attribute.name }, keys: head };
  }
  const subAttribute = findSubAttribute(attribute, path.subAttr);
  if (!subAttribute) return undefined;
  return {
    origin,
    schema: schema.id,
    attribute,
    subAttribute,
    definition: subAttribute,
    path: { ...canonicalUri, name: attribute.name, subAttr: subAttribute.name },
    keys: [...head, subAttribute.name],
  };
}

/** The resource type named `name` (`User`, `Group`; case-insensitive), as in `/ResourceTypes/{name}`. */
export function findResourceType(name: string): ResourceTypeDefinition | undefined {
  return RESOURCE_TYPES.find((r) => sameName(r.name, name));
}

/** The schema with URN `id` (case-insensitive), as in `/Schemas/{id}`. */
export function findSchema(id: string): SchemaDefinition | undefined {
  return SCHEMAS.find((s) => sameName(s.id, id));
}
