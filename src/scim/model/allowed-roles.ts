import { isObject, type JsonObject } from './json.ts';

/**
 * The role values a write to `current` may carry: the tenant's catalog plus the roles the resource
 * already holds, so an unrelated change (Okta's deactivation, a profile PUT) never fails because the
 * catalog dropped a role since it was granted.
 */
export function allowedRoles(catalog: readonly string[], current: JsonObject): string[] {
  const held = Array.isArray(current.roles) ? current.roles.flatMap((r) => (isObject(r) && typeof r.value === 'string' ? [r.value] : [])) : [];
  return [...catalog, ...held];
}
