/**
 * The service binding for host Workers on the same account: `services = [{ binding = "IDENTITY",
 * service = "edge-identity", entrypoint = "IdentityApi" }]`, called over RPC with no public hop.
 * A binding is trusted as the operator (only Workers of this account can be bound), so it reads
 * every tenant, under the same rules as the HTTP API's answers.
 */
import { WorkerEntrypoint } from 'cloudflare:workers';
import { createLocalJWKSet, errors, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';
import { configOf } from '../config.ts';
import { database } from '../db/client.ts';
import type { Env } from '../env.ts';
import { eventsAfter, type DirectoryEvent } from '../events/event-feed.ts';
import { sessionIdFromCookieHeader } from '../http/cookies.ts';
import { currentSession } from '../sessions/current-session.ts';
import type { SessionView } from '../sessions/session-view.ts';
import { publishedKeys, SIGNING_ALG } from '../sessions/signing-keys.ts';
import { findTenantBySlug } from '../tenants/tenant-store.ts';
import { DirectoryQueryError, directoryPage, directoryUser, type DirectoryPage } from '../scim/storage/directory-pages.ts';
import { tenantScimBase } from '../scim/wire/respond.ts';

/** A directory page, or why the query cannot be answered (`filter: …`, `cursor: …`). */
export type UsersPage = DirectoryPage | { error: string };

/**
 * Objects read over the binding carry `meta.location` as a path (`/scim/v2/{slug}/Users/{id}`):
 * an RPC call has no origin to put before it (docs/interop.md 15).
 */
const NO_ORIGIN = '';

export type VerifiedToken = { valid: true; claims: JWTPayload } | { valid: false; reason: string };
export type EventsPage = { data: DirectoryEvent[]; next: number } | { gone: true; oldestSeq: number };

export class IdentityApi extends WorkerEntrypoint<Env> {
  /** What `GET /auth/session` answers for the browser's `Cookie` header, or null without a live session. */
  async session(cookieHeader: string | null): Promise<SessionView | null> {
    configOf(this.env);
    return (await currentSession(this.env, sessionIdFromCookieHeader(cookieHeader))) ?? null;
  }

  /**
   * A session token checked as an offline verifier would: ES256 with a published key, not expired,
   * and `aud` = SESSION_TOKEN_AUDIENCE when one is configured. Never throws for a bad token.
   */
  async verify(token: string): Promise<VerifiedToken> {
    const { sessionTokens } = configOf(this.env);
    const keys = createLocalJWKSet({ keys: await publishedKeys(database(this.env.DB)) } as JSONWebKeySet);
    try {
      const { payload } = await jwtVerify(token, keys, { algorithms: [SIGNING_ALG], ...(sessionTokens.audience ? { audience: sessionTokens.audience } : {}) });
      return { valid: true, claims: payload };
    } catch (err) {
      if (err instanceof errors.JOSEError) return { valid: false, reason: err.code };
      throw err;
    }
  }

  /** One user as the API's `GET /tenants/{slug}/users/{id}` shows them (with `role` and `groupNames`), or null. */
  async user(tenant: string, id: string): Promise<Record<string, unknown> | null> {
    const db = database(this.env.DB);
    const found = await findTenantBySlug(db, tenant);
    if (!found || typeof id !== 'string') return null;
    return (await directoryUser(db, found, tenantScimBase(NO_ORIGIN, found.slug), id)) ?? null;
  }

  /** A page of the tenant's users, as `GET /tenants/{slug}/users` answers it (SCIM filter, cursor, limit 1–500), or null for no such tenant. */
  async users(tenant: string, options: { filter?: string; cursor?: string; limit?: number } = {}): Promise<UsersPage | null> {
    const db = database(this.env.DB);
    const found = await findTenantBySlug(db, tenant);
    if (!found) return null;
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const limit = Number.isSafeInteger(options.limit) ? options.limit! : 100;
    try {
      return await directoryPage(db, found, 'users', tenantScimBase(NO_ORIGIN, found.slug), { filter: text(options.filter), cursor: text(options.cursor), limit });
    } catch (err) {
      if (err instanceof DirectoryQueryError) return { error: err.message };
      throw err;
    }
  }

  /** The tenant's change log after `after` (the feed's answer), `gone` with the oldest kept seq, or null for no such tenant. */
  async events(tenant: string, options: { after?: number; limit?: number } = {}): Promise<EventsPage | null> {
    const db = database(this.env.DB);
    const found = await findTenantBySlug(db, tenant);
    if (!found) return null;
    // As the feed's query parameters: a whole seq from 0, a page of 1 to 500 (100 when absent or not a whole number).
    const after = Number.isSafeInteger(options.after) ? Math.max(0, options.after!) : 0;
    const limit = Number.isSafeInteger(options.limit) ? Math.min(500, Math.max(1, options.limit!)) : 100;
    const page = await eventsAfter(db, found, after, limit);
    return page.kind === 'gone' ? { gone: true, oldestSeq: page.oldestSeq } : { data: page.events, next: page.next };
  }
}
