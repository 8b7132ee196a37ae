/** Shapes single-resource responses: body, `ETag`, and `Location` on 201 (RFC 7644 §3.3, §3.14). */
import type { Context } from 'hono';
import type { Projection } from '../model/projection.ts';
import { scimJson } from './request.ts';
import type { ListQuery } from '../storage/list-query.ts';
import { etag } from '../model/etag.ts';
import { requestUrlParts } from '../../http/request-url.ts';

/** The tenant's SCIM base URL as this request reached it: `https://host/scim/v2/{tenant}`. */
export function scimBaseUrl(c: Context): string {
  return tenantScimBase(requestUrlParts(c.req.url).origin, c.req.param('tenant') ?? '');
}

/** The SCIM base URL of tenant `slug` at `origin`. */
export function tenantScimBase(origin: string, slug: string): string {
  return `${origin}/scim/v2/${slug}`;
}

/** A resource response with its ETag; a 201 also carries `Location` = `meta.location`. */
export function resourceResponse(resource: { meta: { location: string } }, version: number, status: 200 | 201 = 200): Response {
  return scimJson(resource, status, { etag: etag(version), ...(status === 201 ? { location: resource.meta.location } : {}) });
}

/** The projection parameters of a list query or a single-resource GET's query string. */
export function projectionOf(query: Pick<ListQuery, 'attributes' | 'excludedAttributes'>): Projection {
  return {
    ...(query.attributes ? { attributes: query.attributes } : {}),
    ...(query.excludedAttributes ? { excludedAttributes: query.excludedAttributes } : {}),
  };
}

const LIST_RESPONSE_URN = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

/** RFC 7644 §3.4.2 ListResponse envelope. */
export function listResponse(resources: unknown[], totalResults: number, startIndex: number): Record<string, unknown> {
  return { schemas: [LIST_RESPONSE_URN], totalResults, startIndex, itemsPerPage: resources.length, Resources: resources };
}
