/** Stored data → the SCIM resource a GET returns (RFC 7643 §3, §3.1 `id` and `meta`). */
import { etag } from './etag.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { JsonObject } from './json.ts';

/** A resource row as the storage layer hands it over. */
export interface StoredResource {
  id: string;
  /** The normalized data (see `normalizeResource`). */
  data: JsonObject;
  version: number;
  createdAt: string;
  updatedAt: string;
  /** Attributes computed by the caller: a user's `groups`, a group's `members`. */
  extra?: JsonObject;
}

/** RFC 7643 §3.1 `meta`. */
export interface ScimMeta {
  resourceType: string;
  created: string;
  lastModified: string;
  location: string;
  version: string;
}

/** A full SCIM resource as served. */
export interface ScimResource {
  schemas: string[];
  id: string;
  meta: ScimMeta;
  [attribute: string]: unknown;
}

/**
 * The full SCIM JSON of a stored resource: `id`, the stored attributes, the computed `extra`, and
 * `meta` with `location` = `${baseUrl}${endpoint}/${id}` (`baseUrl` without a trailing slash).
 */
export function toScimResource(resourceType: ResourceTypeDefinition, stored: StoredResource, baseUrl: string): ScimResource {
  const { schemas, ...attributes } = stored.data;
  return {
    schemas: Array.isArray(schemas) ? (schemas as string[]) : [resourceType.schema.id],
    id: stored.id,
    ...attributes,
    ...stored.extra,
    meta: {
      resourceType: resourceType.name,
      created: stored.createdAt,
      lastModified: stored.updatedAt,
      location: `${baseUrl}${resourceType.endpoint}/${stored.id}`,
      version: etag(stored.version),
    },
  };
}
