/**
 * Microsoft's reference tests call `/users`, `/groups` and add trailing slashes: SCIM endpoint
 * names are matched case-insensitively by rewriting them to their canonical spelling before routing.
 */
import { requestUrlParts } from '../http/request-url.ts';

const ENDPOINTS = ['Users', 'Groups', 'ServiceProviderConfig', 'ResourceTypes', 'Schemas', 'Bulk', 'Me', '.search'];
const CANONICAL = new Map(ENDPOINTS.map((name) => [name.toLowerCase(), name]));

/** The request with `/scim/v2/{tenant}/<endpoint>/…` spelled canonically and without a trailing slash. */
export function canonicalScimRequest(request: Request): Request {
  const url = requestUrlParts(request.url);
  const parts = url.path.split('/');
  // ['', 'scim', 'v2', tenant, endpoint, id|.search, .search]
  if (parts[1]?.toLowerCase() !== 'scim' || parts[2]?.toLowerCase() !== 'v2') return request;
  let changed = parts[1] !== 'scim' || parts[2] !== 'v2';
  parts[1] = 'scim';
  parts[2] = 'v2';
  for (const index of [4, 5, 6]) {
    const part = parts[index];
    const canonical = part === undefined ? undefined : CANONICAL.get(part.toLowerCase());
    // Only the endpoint segment and a trailing `.search` are names; ids are left as sent.
    if (canonical && (index === 4 || canonical === '.search') && canonical !== part) {
      parts[index] = canonical;
      changed = true;
    }
  }
  if (parts.length > 4 && parts[parts.length - 1] === '') {
    parts.pop();
    changed = true;
  }
  if (!changed) return request;
  return new Request(`${url.origin}${parts.join('/')}${url.rest}`, request);
}
