/**
 * The SCIM token check as one SQL statement that raises unless the token is still live for the
 * tenant as the caller saw it. Riding as the first statement of a request's own D1 batch, it
 * costs no extra round trip, and in a write's batch (a transaction) it rolls the write back: a
 * revoked or expired token, or a tenant with SCIM disabled, is refused on the very next request.
 */
import { sql } from 'drizzle-orm';
import { SQLiteAsyncDialect } from 'drizzle-orm/sqlite-core';
import { scimTokens, tenants } from '../../db/schema.ts';

/** What a request believes about its token; the guard checks it against D1. Plain data (crosses RPC). */
export interface TokenCheck {
  tokenId: string;
  tokenHash: string;
  tenantId: string;
  slug: string;
  /** The tenant's role catalog the request validates `roles` against (a change refuses, then re-reads). */
  roles: string[];
}

/** In the error SQLite raises for a malformed JSON path; nothing else in our SQL produces it. */
const REFUSED_MARKER = 'scim token refused';
const AT = sql.placeholder('at');

const guardQuery = new SQLiteAsyncDialect().sqlToQuery(sql`SELECT json_extract('{}', ${sql.raw(`'$${REFUSED_MARKER}'`)}) WHERE NOT EXISTS (
  SELECT 1 FROM ${scimTokens} JOIN ${tenants} ON ${tenants.id} = ${scimTokens.tenantId}
  WHERE ${scimTokens.id} = ${sql.placeholder('tokenId')} AND ${scimTokens.tokenHash} = ${sql.placeholder('tokenHash')}
    AND ${scimTokens.revokedAt} IS NULL AND (${scimTokens.expiresAt} IS NULL OR ${scimTokens.expiresAt} > ${AT})
    AND ${tenants.id} = ${sql.placeholder('tenantId')} AND ${tenants.slug} = ${sql.placeholder('slug')}
    AND ${tenants.scimEnabled} = 1 AND json(${tenants.roles}) = json(${sql.placeholder('roles')}))`);

/** The guard statement for `check`, evaluated at the current time. */
export function tokenGuard(d1: D1Database, check: TokenCheck): D1PreparedStatement {
  const values: Record<string, string> = { ...check, roles: JSON.stringify(check.roles), at: new Date().toISOString() };
  const params = guardQuery.params.map((p) => values[(p as { name: string }).name]);
  return d1.prepare(guardQuery.sql).bind(...params);
}

/** What a guard checks, as a key: guards of equal keys built moments apart check the same thing. */
export function tokenCheckKey(check: TokenCheck): string {
  return JSON.stringify([check.tokenId, check.tokenHash, check.tenantId, check.slug, check.roles]);
}

/** Whether a D1 error is the guard refusing the token. */
export function isTokenRefused(err: unknown): boolean {
  return err instanceof Error && (err.message + String(err.cause ?? '')).includes(REFUSED_MARKER);
}
