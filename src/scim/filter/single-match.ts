/**
 * Filters that at most one resource of a tenant can match: an `eq` on an attribute whose schema
 * says `uniqueness: "server"` (`id`, User `userName`, Group `displayName`, each held unique per
 * tenant by the storage, case-insensitively where the attribute is caseExact=false, as `eq`
 * compares it), alone or ANDed with anything. Okta asks `userName eq "…"` before every create and
 * update; for such a filter the first page is the whole answer, so its `totalResults` is the
 * number of rows on it and no count query is needed.
 */
import { findAttribute } from '../schema/resource-types.ts';
import type { ResourceTypeDefinition } from '../schema/types.ts';
import type { Filter } from './ast.ts';

export function matchesAtMostOne(resourceType: ResourceTypeDefinition, filter: Filter): boolean {
  switch (filter.kind) {
    case 'compare': {
      if (filter.op !== 'eq' || filter.path.subAttr !== undefined) return false;
      const resolved = findAttribute(resourceType, filter.path);
      return resolved !== undefined && resolved.definition.uniqueness === 'server' && !resolved.definition.multiValued;
    }
    case 'and':
      return matchesAtMostOne(resourceType, filter.left) || matchesAtMostOne(resourceType, filter.right);
    default:
      return false;
  }
}
