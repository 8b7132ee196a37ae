/**
 * SCIM bearer authentication (RFC 7644 §2): the token's hash finds its tenant, which must be the
 * tenant in the path. A token this isolate has seen is not looked up on its own again: the token
 * check (src/scim/auth/token-guard.ts) rides in the request's first D1 batch — or, for a write, in the
 * tenant object's batch — and no data leaves before it passed. So a revoked or expired token still
 * fails on the very next request, without a D1 round trip of its own.
 */
import { eq } from 'drizzle-orm';
import { createMiddleware } from 'hono/factory';
import { limitScimRequests } from './rate-limit.ts';
import { BoundedMap } from '../../common/bounded-map.ts';
import { database, now, type Database } from '../../db/client.ts';
import { scimTokens, tenants } from '../../db/schema.ts';
import type { Env } from '../../env.ts';
import { ScimError } from '../../http/errors.ts';
import type { Tenant } from '../../tenants/tenant-store.ts';
import { constantTimeEqual, hashToken, looksLikeScimToken } from '../../tenants/tokens.ts';
import { FirstCallGuardD1 } from './first-call-guard.ts';
import { tokenGuard, type TokenCheck } from './token-guard.ts';

/** `last_used_at` is refreshed at most this often, so a busy token is not a write per request. */
const LAST_USED_RESOLUTION_MS = 60_000;
/** Tokens remembered per isolate (hash → tenant); each is still checked against D1 on every request. */
const MAX_KNOWN_TOKENS = 1000;

/** A token as last read from D1. */
interface KnownToken {
  tokenId: string;
  tokenHash: string;
  tenant: Tenant;
  lastUsedAt: string | null;
}

const knownTokens = new BoundedMap<string, KnownToken>(MAX_KNOWN_TOKENS);

function remember(token: KnownToken): void {
  knownTokens.set(token.tokenHash, token);
}

const unauthorized = (detail: string) => new ScimError(401, undefined, detail, { 'www-authenticate': 'Bearer realm="scim"' });

/** Reads the token from D1: its tenant, or the precise 401/403. */
async function lookUpToken(d1: D1Database, hash: string, slug: string): Promise<KnownToken> {
  const row = await database(d1)
    .select({ token: scimTokens, tenant: tenants })
    .from(scimTokens)
    .innerJoin(tenants, eq(tenants.id, scimTokens.tenantId))
    .where(eq(scimTokens.tokenHash, hash))
    .get();
  // The index found the row by hash; the constant-time check keeps the comparison itself timing-safe.
  if (!row || !constantTimeEqual(row.token.tokenHash, hash) || row.tenant.slug !== slug) {
    throw unauthorized('Invalid token for this tenant: check the SCIM base URL and the API token in your provisioning settings.');
  }
  if (row.token.revokedAt) throw unauthorized('This token was revoked: create a new one with `npm run tenant -- token create`.');
  if (row.token.expiresAt && row.token.expiresAt <= now()) throw unauthorized(`This token expired at ${row.token.expiresAt}: create a new one.`);
  if (!row.tenant.scimEnabled) {
    throw new ScimError(403, undefined, `SCIM provisioning is disabled for tenant "${slug}": enable it with \`npm run tenant -- scim enable ${slug}\`.`);
  }
  return { tokenId: row.token.id, tokenHash: hash, tenant: row.tenant, lastUsedAt: row.token.lastUsedAt };
}

/** Who is calling: the tenant and the token (its id goes into the audit log), and the request's database. */
export class ScimCaller {
  tenant: Tenant;
  readonly tokenId: string;
  readonly #env: Env;
  readonly #guard: FirstCallGuardD1 | undefined;
  readonly #tokenHash: string;
  #db: Database | undefined;

  constructor(env: Env, token: KnownToken, checked: boolean) {
    this.tenant = token.tenant;
    this.tokenId = token.tokenId;
    this.#env = env;
    this.#tokenHash = token.tokenHash;
    if (checked) return;
    this.#guard = new FirstCallGuardD1(
      env.DB,
      () => tokenGuard(env.DB, this.tokenCheck()),
      // Refused: forget the token and read it again, which throws the precise 401/403 — or finds it
      // live after all (the tenant's roles changed), and the request goes on with the fresh tenant.
      async () => {
        knownTokens.delete(this.#tokenHash);
        const fresh = await lookUpToken(env.DB, this.#tokenHash, token.tenant.slug);
        remember(fresh);
        this.tenant = fresh.tenant;
      },
    );
  }

  /** The request's database; while the token is unchecked, its first call carries the check. */
  get db(): Database {
    // Built on first use: a write answered from the tenant object's batch needs none.
    this.#db ??= database(this.#guard ?? this.#env.DB);
    return this.#db;
  }

  tokenCheck(): TokenCheck {
    return { tokenId: this.tokenId, tokenHash: this.#tokenHash, tenantId: this.tenant.id, slug: this.tenant.slug, roles: this.tenant.roles };
  }

  /** The check for the tenant object to carry in a write's batch, while this request has not run it. */
  pendingCheck(): TokenCheck | undefined {
    return this.#guard && !this.#guard.passed ? this.tokenCheck() : undefined;
  }

  /** Records that the tenant object's batch carried the check and passed. */
  markChecked(): void {
    this.#guard?.markPassed();
  }

  /**
   * The tenant object refused the token: reads it from D1 again, which throws the precise 401/403,
   * or finds it live (the object's view was older) with the tenant as it is now.
   */
  async confirmLive(): Promise<void> {
    knownTokens.delete(this.#tokenHash);
    const fresh = await lookUpToken(this.#env.DB, this.#tokenHash, this.tenant.slug);
    remember(fresh);
    this.tenant = fresh.tenant;
    this.#guard?.markPassed();
  }

  /** Resolves once the token was checked in this request (one D1 call if nothing carried the check yet); throws 401/403 if dead. */
  async verified(): Promise<void> {
    await this.#guard?.afterGuard(async () => undefined);
  }
}

export type ScimVariables = { caller: ScimCaller };

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
  const slug = c.req.param('tenant');
  let known = knownTokens.get(hash);
  const checked = !known || known.tenant.slug !== slug;
  if (checked) {
    known = await lookUpToken(c.env.DB, hash, slug!);
    remember(known);
  }
  await limitScimRequests(c.env, known!.tokenId);
  const caller = new ScimCaller(c.env, known!, checked);
  c.set('caller', caller);
  await next();
  // A request that made no D1 call (discovery, or a refused body) is answered only for a live token.
  await caller.verified();
  const at = now();
  if (!known!.lastUsedAt || Date.parse(at) - Date.parse(known!.lastUsedAt) > LAST_USED_RESOLUTION_MS) {
    known!.lastUsedAt = at;
    c.executionCtx.waitUntil(database(c.env.DB).update(scimTokens).set({ lastUsedAt: at }).where(eq(scimTokens.id, known!.tokenId)).run().then(() => undefined));
  }
});
