/**
 * Setup links, shared by the CLI (`setup-link create|list|revoke`) and the Worker (`/setup`): a
 * 256-bit key in the link, only its SHA-256 hash in D1, one tenant per link, always an expiry.
 */
import type { AccessAnnouncer } from './access-announcer.ts';
import { and, asc, eq, gt, isNotNull, isNull, sql } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { scimTokens, setupLinks, tenants } from '../db/schema.ts';
import { auditInsert, auditInsertWhen, type AuditActor } from '../audit/audit-log.ts';
import type { Tenant } from './tenant-store.ts';
import { StoreError } from '../http/errors.ts';
import { constantTimeEqual, generatePrefixedSecret, hashToken, hasPrefixedSecretShape } from './tokens.ts';

/** Prefix of a setup key, so secret scanners can tell it from a SCIM token. */
export const SETUP_KEY_PREFIX = 'eid_setup_';
/** A link lives this long unless told otherwise. */
export const DEFAULT_LINK_SECONDS = 7 * 86400;
/** And never longer than this: it hands out control of the tenant's SSO. */
export const MAX_LINK_SECONDS = 30 * 86400;
/** SCIM tokens one link's page may hold live at once (Okta and Entra need one each; one more for rotation). */
export const MAX_TOKENS_PER_LINK = 3;
/** A token issued by a link's page expires after a year (the operator's CLI issues longer-lived ones). */
export const SETUP_TOKEN_SECONDS = 365 * 86400;

type SetupLinkRow = typeof setupLinks.$inferSelect;
/** A link as listed to the operator: never the hash. */
export type SetupLinkInfo = Omit<SetupLinkRow, 'hash'>;
/** A link as `setup-link list` shows it: with the ids of the live SCIM tokens its page issued. */
export type ListedSetupLink = SetupLinkInfo & { liveTokens: string[] };

/** A live link and its tenant: what every setup request acts for. */
export interface LiveSetupLink {
  link: SetupLinkInfo;
  tenant: Tenant;
}

/** The setup page's path for `tenant`. */
export function setupPath(slug: string): string {
  return `/setup/${slug}`;
}

/**
 * The link to hand to the IT admin. The key rides in the fragment, which browsers never send, so no
 * request log or Referer holds it; the page posts it once to trade it for a cookie.
 */
export function setupUrl(baseUrl: string, slug: string, key: string): string {
  return `${baseUrl}${setupPath(slug)}/open#key=${key}`;
}

function withoutHash({ hash: _hash, ...info }: SetupLinkRow): SetupLinkInfo {
  return info;
}

/** Issues a link for `tenant`; the key is returned once and only its hash is stored. */
export async function createSetupLink(db: Database, tenant: Tenant, expiresInSeconds = DEFAULT_LINK_SECONDS, actor: AuditActor = 'cli'): Promise<{ info: SetupLinkInfo; key: string; tenant: Tenant }> {
  if (expiresInSeconds > MAX_LINK_SECONDS) throw new StoreError(`a setup link lives at most ${MAX_LINK_SECONDS / 86400} days`);
  const key = generatePrefixedSecret(SETUP_KEY_PREFIX);
  const createdAt = now();
  const info: SetupLinkInfo = {
    id: `sl_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`,
    tenantId: tenant.id,
    createdAt,
    expiresAt: new Date(Date.parse(createdAt) + expiresInSeconds * 1000).toISOString(),
    revokedAt: null,
    lastUsedAt: null,
  };
  await db.batch([
    db.insert(setupLinks).values({ ...info, hash: await hashToken(key) }),
    auditInsert(db, { tenantId: tenant.id, actor, action: 'setup-link.create', resourceType: 'SetupLink', resourceId: info.id, outcome: 'success', detail: `expires ${info.expiresAt}` }),
  ]);
  return { info, key, tenant };
}

/** The tenant's links, oldest first (never the keys), each with the live tokens its page issued. */
export async function listSetupLinks(db: Database, tenant: Tenant): Promise<ListedSetupLink[]> {
  const [rows, tokens] = await db.batch([
    db.select().from(setupLinks).where(eq(setupLinks.tenantId, tenant.id)).orderBy(asc(setupLinks.createdAt)),
    db
      .select({ id: scimTokens.id, linkId: scimTokens.setupLinkId })
      .from(scimTokens)
      .where(and(eq(scimTokens.tenantId, tenant.id), isNotNull(scimTokens.setupLinkId), isNull(scimTokens.revokedAt)))
      .orderBy(asc(scimTokens.createdAt)),
  ]);
  return rows.map((row) => ({ ...withoutHash(row), liveTokens: tokens.filter((t) => t.linkId === row.id).map((t) => t.id) }));
}

/**
 * Revokes link `linkId` of `tenant` and, in the same batch, every SCIM token its page issued:
 * its setup cookies and those tokens stop working on their next request.
 */
export async function revokeSetupLink(db: Database, announce: AccessAnnouncer, tenant: Tenant, linkId: string, actor: AuditActor = 'cli'): Promise<SetupLinkInfo> {
  const ofTenant = and(eq(setupLinks.id, linkId), eq(setupLinks.tenantId, tenant.id));
  const revokedAt = now();
  const revokedWithLink = and(eq(scimTokens.tenantId, tenant.id), eq(scimTokens.setupLinkId, linkId), eq(scimTokens.revokedAt, revokedAt));
  const [[revoked]] = await db.batch([
    db.update(setupLinks).set({ revokedAt }).where(and(ofTenant, isNull(setupLinks.revokedAt))).returning(),
    db
      .update(scimTokens)
      .set({ revokedAt })
      .where(and(eq(scimTokens.tenantId, tenant.id), eq(scimTokens.setupLinkId, linkId), isNull(scimTokens.revokedAt))),
    // Recorded by the same batch, only if this batch revoked the link; the detail names the tokens it revoked with it.
    auditInsertWhen(
      db,
      { tenantId: tenant.id, actor, action: 'setup-link.revoke', resourceType: 'SetupLink', resourceId: linkId, outcome: 'success' },
      sql`EXISTS (SELECT 1 FROM ${setupLinks} WHERE ${and(ofTenant, eq(setupLinks.revokedAt, revokedAt))})`,
      sql`(SELECT 'revoked its SCIM tokens ' || group_concat(${scimTokens.id}, ', ') FROM ${scimTokens} WHERE ${revokedWithLink})`,
    ),
  ]);
  if (revoked) {
    await announce(tenant.id);
    return withoutHash(revoked);
  }
  const existing = await db.select({ revokedAt: setupLinks.revokedAt }).from(setupLinks).where(ofTenant).get();
  throw existing ? new StoreError(`setup link "${linkId}" was already revoked at ${existing.revokedAt}`, 'conflict') : new StoreError(`tenant "${tenant.slug}" has no setup link "${linkId}"`, 'not_found', `setup-link list ${tenant.slug}`);
}

/**
 * The live link `key` opens for `tenant` (and its last use noted), or undefined for a key of
 * another tenant, a revoked or expired one, or no key of ours — the caller never learns which.
 */
export async function redeemSetupKey(db: Database, slug: string, key: string): Promise<LiveSetupLink | undefined> {
  if (!hasPrefixedSecretShape(SETUP_KEY_PREFIX, key)) return undefined;
  const hash = await hashToken(key);
  const at = now();
  const row = await db
    .select({ link: setupLinks, tenant: tenants })
    .from(setupLinks)
    .innerJoin(tenants, eq(tenants.id, setupLinks.tenantId))
    .where(and(eq(setupLinks.hash, hash), isNull(setupLinks.revokedAt), gt(setupLinks.expiresAt, at)))
    .get();
  // The index found the row by hash; the constant-time check keeps the comparison itself timing-safe.
  if (!row || !constantTimeEqual(row.link.hash, hash) || row.tenant.slug !== slug) return undefined;
  await db.update(setupLinks).set({ lastUsedAt: at }).where(eq(setupLinks.id, row.link.id));
  return { link: { ...withoutHash(row.link), lastUsedAt: at }, tenant: row.tenant };
}

/** Link `linkId` with its tenant while it is live and belongs to tenant `tenantId` named `slug`; else undefined. */
export async function liveSetupLink(db: Database, slug: string, tenantId: string, linkId: string): Promise<LiveSetupLink | undefined> {
  const row = await db
    .select({ link: setupLinks, tenant: tenants })
    .from(setupLinks)
    .innerJoin(tenants, eq(tenants.id, setupLinks.tenantId))
    .where(and(eq(setupLinks.id, linkId), eq(setupLinks.tenantId, tenantId), eq(tenants.slug, slug), isNull(setupLinks.revokedAt), gt(setupLinks.expiresAt, now())))
    .get();
  return row && { link: withoutHash(row.link), tenant: row.tenant };
}
