/**
 * SCIM bearer authentication (RFC 7644 §2): the token's hash finds its tenant, which must be the
 * tenant in the path. No cache: a revoked or expired token fails on the very next request.
 */
import { and, eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { database, now } from '../db/client.ts';
import { scimTokens, tenants } from '../db/schema.ts';
import type { Env } from '../env.ts';
import { ScimError } from '../http/errors.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { constantTimeEqual, hashToken, looksLikeScimToken } from '../tenants/tokens.ts';

/** Who is calling: the tenant and the token (its id goes into the audit log). */
export interface ScimCaller {
  tenant: Tenant;
  tokenId: string;
}

export type ScimVariables = { caller: ScimCaller };

/** `last_used_at` is refreshed at most this often, so a busy token is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;

const unauthorized = (detail: string) => new ScimError(401, undefined, detail, { 'www-authenticate': 'Bearer realm="scim"' });

/** The token from `Authorization: Bearer <t>` (scheme case-insensitive) or Okta's raw-header mode. */
export function tokenFromHeader(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim();
  const bearer = /^bearer\s+(\S+)$/i.exec(value);
  if (bearer) return bearer[1];
  return /^\S+$/.test(value) ? value : undefined;
}

/** Middleware for `/scim/v2/:tenant/*`: sets `caller` or answers 401/403 in the SCIM error shape. */
export const scimAuth = createMiddleware<{ Bindings: Env; Variables: ScimVariables }>(async (c, next) => {
  const token = tokenFromHeader(c.req.header('authorization'));
  if (!token || !looksLikeScimToken(token)) {
    throw unauthorized('Missing or malformed credentials: send the SCIM token as "Authorization: Bearer <token>".');
  }
  const hash = await hashToken(token);
  const row = await database(c.env.DB)
    .select({ token: scimTokens, tenant: tenants })
    .from(scimTokens)
    .innerJoin(tenants, eq(tenants.id, scimTokens.tenantId))
    .where(eq(scimTokens.tokenHash, hash))
    .get();
  const slug = c.req.param('tenant');
  // The index found the row by hash; the constant-time check keeps the comparison itself timing-safe.
  if (!row || !constantTimeEqual(row.token.tokenHash, hash) || row.tenant.slug !== slug) {
    throw unauthorized('Invalid token for this tenant: check the SCIM base URL and the API token in your provisioning settings.');
  }
  const at = now();
  if (row.token.revokedAt) throw unauthorized('This token was revoked: create a new one with `npm run tenant -- token create`.');
  if (row.token.expiresAt && row.token.expiresAt <= at) throw unauthorized(`This token expired at ${row.token.expiresAt}: create a new one.`);
  if (!row.tenant.scimEnabled) {
    throw new ScimError(403, undefined, `SCIM provisioning is disabled for tenant "${slug}": enable it with \`npm run tenant -- scim enable ${slug}\`.`);
  }
  if (!row.token.lastUsedAt || Date.parse(at) - Date.parse(row.token.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    c.executionCtx.waitUntil(
      database(c.env.DB).update(scimTokens).set({ lastUsedAt: at }).where(and(eq(scimTokens.id, row.token.id))).run().then(() => undefined),
    );
  }
  c.set('caller', { tenant: row.tenant, tokenId: row.token.id });
  await next();
});
