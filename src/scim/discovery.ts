/**
 * Discovery endpoints (RFC 7644 §4): what `/ServiceProviderConfig` advertises is what the server
 * does — the limits below are the ones the list and body code enforce.
 */
import { ScimError } from '../http/errors.ts';
import { MAX_RESULTS } from './storage/list-query.ts';
import { listResponse } from './wire/respond.ts';
import { renderResourceType, renderSchema } from './schema/render.ts';
import { findResourceType, findSchema, RESOURCE_TYPES, SCHEMAS } from './schema/resource-types.ts';

const SPC_URN = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';


/** `/ServiceProviderConfig` (RFC 7643 §5). */
export function serviceProviderConfig(baseUrl: string): Record<string, unknown> {
  return {
    schemas: [SPC_URN],
    patch: { supported: true },
    bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
    filter: { supported: true, maxResults: MAX_RESULTS },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Per-tenant SCIM API token, sent as "Authorization: Bearer <token>" (or the raw token).',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location: `${baseUrl}/ServiceProviderConfig` },
  };
}

/** `/ResourceTypes` as a ListResponse (RFC 7644 §4). */
export function resourceTypeList(baseUrl: string): Record<string, unknown> {
  return listResponse(RESOURCE_TYPES.map((r) => renderResourceType(r, baseUrl)), RESOURCE_TYPES.length, 1);
}

/** `/ResourceTypes/{name}`, or 404. */
export function resourceTypeByName(baseUrl: string, name: string): Record<string, unknown> {
  const resourceType = findResourceType(name);
  if (!resourceType) throw new ScimError(404, undefined, `No resource type "${name}"; this server serves User and Group.`);
  return renderResourceType(resourceType, baseUrl);
}

/** `/Schemas` as a ListResponse (RFC 7644 §4). */
export function schemaList(baseUrl: string): Record<string, unknown> {
  return listResponse(SCHEMAS.map((s) => renderSchema(s, baseUrl)), SCHEMAS.length, 1);
}

/** `/Schemas/{urn}`, or 404. */
export function schemaById(baseUrl: string, id: string): Record<string, unknown> {
  const schema = findSchema(id);
  if (!schema) throw new ScimError(404, undefined, `No schema "${id}"; see /Schemas for the ones served.`);
  return renderSchema(schema, baseUrl);
}
