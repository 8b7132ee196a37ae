/**
 * Just-in-time provisioning: a person the tenant's SCIM data does not know yet becomes a SCIM user,
 * created by the tenant's Durable Object like a SCIM POST /Users, so SCIM's rules (unique
 * userName, normalization, audit) hold for JIT users too.
 */
import type { Env } from '../env.ts';
import { PageError } from '../http/errors.ts';
import { tenantWrites } from '../scim/port/tenant-writes.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import type { SignInIdentity } from './identity.ts';

const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

/**
 * The SCIM User resource (RFC 7643 §4.1) for `identity`: userName as Okta's SCIM would send it.
 * `email` is the address linking may use (verified, or trusted by the connection): no other is stored.
 */
export function jitUserResource(identity: SignInIdentity, email: string | undefined): Record<string, unknown> {
  const name = {
    ...(identity.givenName ? { givenName: identity.givenName } : {}),
    ...(identity.familyName ? { familyName: identity.familyName } : {}),
    ...(identity.name ? { formatted: identity.name } : {}),
  };
  return {
    schemas: [CORE_USER],
    userName: identity.preferredUsername ?? email ?? identity.sub,
    externalId: identity.sub,
    active: true,
    ...(identity.name ? { displayName: identity.name } : {}),
    ...(Object.keys(name).length ? { name } : {}),
    ...(email ? { emails: [{ value: email, type: 'work', primary: true }] } : {}),
  };
}

/**
 * Creates the user (externalId = the subject, so linking then finds and binds it). A 409 (someone —
 * SCIM or a parallel sign-in — created the userName first) returns false; the caller links again.
 */
export async function provisionUser(env: Env, origin: string, tenant: Tenant, identity: SignInIdentity, email: string | undefined): Promise<boolean> {
  const outcome = await tenantWrites(env, tenant.id).createUser({ tenantId: tenant.id, tenantRoles: tenant.roles, actor: 'oidc', baseUrl: tenantScimBase(origin, tenant.slug), body: jitUserResource(identity, email) });
  if (outcome.ok) return true;
  if (outcome.status === 409) return false;
  throw new PageError(403, 'Your account could not be created here. Please contact your administrator.', `JIT provisioning of ${identity.sub} refused: ${outcome.status} ${outcome.detail}`);
}
