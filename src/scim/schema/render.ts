/**
 * The discovery documents of RFC 7643 §6/§7 (`/ResourceTypes`, `/Schemas`) rendered from the
 * definitions, each with `schemas` and `meta` as RFC 7644 §4 serves them.
 */
import type { ResourceTypeDefinition, SchemaDefinition } from './types.ts';
import { RESOURCE_TYPE_URN, SCHEMA_URN } from './urns.ts';

/** `/Schemas/{id}` JSON (RFC 7643 §7); `baseUrl` is the tenant's SCIM base, without a trailing slash. */
export function renderSchema(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SCHEMA_URN],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes,
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}

/** `/ResourceTypes/{name}` JSON (RFC 7643 §6); `baseUrl` is the tenant's SCIM base, without a trailing slash. */
export function renderResourceType(resourceType: ResourceTypeDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [RESOURCE_TYPE_URN],
    id: resourceType.name,
    name: resourceType.name,
    endpoint: resourceType.endpoint,
    description: resourceType.description,
    schema: resourceType.schema.id,
    schemaExtensions: resourceType.schemaExtensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${resourceType.name}` },
  };
}
