/**
 * Writes go to the tenant object as the authenticated caller. While the request has not checked
 * its token, the object's write batch carries the check (src/scim/auth/token-guard.ts) and rolls back
 * if it refuses; any answer that did not come from such a batch — a refusal, an error, a no-op —
 * is given only after the token was checked here.
 */
import type { Context } from 'hono';
import type { Env } from '../../env.ts';
import { tenantWrites, type TenantWriteRequest, type TenantWrites } from '../port/tenant-writes.ts';
import type { ScimVariables } from '../auth/authenticate.ts';
import { scimBaseUrl } from '../wire/respond.ts';
import { unwrap, type WriteOutcome } from '../port/write-outcome.ts';

type ScimContext = Context<{ Bindings: Env; Variables: ScimVariables }>;

/** Runs `call` against the caller's tenant object and returns its value, or throws its (or the token's) SCIM error. */
export async function writeAsCaller<T>(c: ScimContext, call: (object: TenantWrites, request: TenantWriteRequest) => Promise<WriteOutcome<T>>): Promise<T> {
  const caller = c.get('caller');
  const send = () => {
    const tokenCheck = caller.pendingCheck();
    const request: TenantWriteRequest = { tenantId: caller.tenant.id, tenantRoles: caller.tenant.roles, actor: `token:${caller.tokenId}`, baseUrl: scimBaseUrl(c), ...(tokenCheck ? { tokenCheck } : {}) };
    return call(tenantWrites(c.env, caller.tenant.id), request);
  };
  let outcome = await send();
  if (outcome.ok && outcome.tokenChecked) {
    caller.markChecked();
    return outcome.value;
  }
  const seen = caller.tenant;
  // Throws the precise 401/403 for a dead token.
  await caller.verified();
  // The object worked from a stale view of a live token's tenant (its roles changed) or refused it:
  // nothing was written (a write that stores something carries the check), so once more, checked.
  if (caller.tenant !== seen || (!outcome.ok && outcome.status === 401)) outcome = await send();
  return unwrap(outcome);
}
