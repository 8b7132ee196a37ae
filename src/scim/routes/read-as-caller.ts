/**
 * Reads go to the tenant object, which answers them from its serving copy once it has checked the
 * caller's token itself; a refusal is confirmed against D1 here, which gives the precise 401/403.
 */
import type { Context } from 'hono';
import type { Env } from '../../env.ts';
import type { ScimVariables } from '../auth/authenticate.ts';
import { tenantReads, type TenantReadRequest, type TenantReads } from '../port/tenant-reads.ts';
import { unwrap, type WriteOutcome } from '../port/write-outcome.ts';

type ScimContext = Context<{ Bindings: Env; Variables: ScimVariables }>;

/** Runs `call` against the caller's tenant object and returns its value, or throws its (or the token's) SCIM error. */
export async function readAsCaller<T>(c: ScimContext, call: (object: TenantReads, request: TenantReadRequest) => Promise<WriteOutcome<T>>): Promise<T> {
  const caller = c.get('caller');
  const send = () => call(tenantReads(c.env, caller.tenant.id), { tenantId: caller.tenant.id, tokenCheck: caller.tokenCheck() });
  let outcome = await send();
  if (!outcome.ok && outcome.status === 401) {
    // Throws the precise 401/403 for a dead token; a live one is read once more.
    await caller.confirmLive();
    outcome = await send();
  }
  if (outcome.ok) caller.markChecked();
  return unwrap(outcome);
}
