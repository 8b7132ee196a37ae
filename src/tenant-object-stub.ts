/**
 * The stub of a tenant's object (`idFromName(tenantId)`), for the ports that reach it
 * (src/scim/port/tenant-writes.ts, src/oidc/login-attempts.ts). A new object is created where the
 * configuration's `tenantLocationHint` says; a hint never moves an object that exists.
 */
import { configOf } from './config.ts';
import type { Env } from './env.ts';

export function tenantObjectStub(env: Env, tenantId: string): DurableObjectStub {
  const hint = configOf(env).tenantLocationHint;
  const id = env.TENANT.idFromName(tenantId);
  return hint ? env.TENANT.get(id, { locationHint: hint }) : env.TENANT.get(id);
}
