/**
 * Tenant and SCIM-token storage, shared by the Worker and the tenant CLI. Operator writes (tenants,
 * tokens) go straight to D1: they are not SCIM resource writes, so they need no tenant object.
 */
import type { AccessAnnouncer } from './access-announcer.ts';
import { and, asc, eq, isNull, lte, sql } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { auditInsert, auditInsertWhen, type AuditActor } from '../audit/audit-log.ts';
import { oidcConnections, scimTokens, tenants } from '../db/schema.ts';
import { heldBy, heldCount } from '../db/held-resources.ts';
import { StoreError } from '../http/errors.ts';
import { DEFAULT_CONFIGURING_ROLE, DEFAULT_ROLE, DEFAULT_ROLES } from './roles.ts';
import { generateScimToken, hashToken } from './tokens.ts';

export type Tenant = typeof tenants.$inferSelect;
export type ScimTokenRow = typeof scimTokens.$inferSelect;
/** A token as listed to the operator: never the hash. */
export type ScimTokenInfo = Omit<ScimTokenRow, 'tokenHash'>;

/** A new tenant's quotas on the shared database (the columns' defaults too). */
export const DEFAULT_MAX_USERS = 1_000_000;
export const DEFAULT_MAX_GROUPS = 100_000;

export async function findTenantBySlug(db: Database, slug: string): Promise<Tenant | undefined> {
  return db.select().from(tenants).where(eq(tenants.slug, slug)).get();
}

export async function requireTenant(db: Database, slug: string): Promise<Tenant> {
  const tenant = await findTenantBySlug(db, slug);
  if (!tenant) throw new StoreError(`unknown tenant "${slug}"`, 'not_found', 'list');
  return tenant;
}

export async function listTenants(db: Database): Promise<Tenant[]> {
  // A deleted tenant whose rows are still going (src/tenants/tenant-deletion.ts) is no tenant any more.
  return db.select().from(tenants).where(isNull(tenants.deletingSince)).orderBy(asc(tenants.slug)).all();
}

/** The tenant the host application knows by `externalId`, if any. */
export async function findTenantByExternalId(db: Database, externalId: string): Promise<Tenant | undefined> {
  return db.select().from(tenants).where(eq(tenants.externalId, externalId)).get();
}

/** What sets a tenant apart besides its slug: a display name and the host application's own id. */
export interface TenantNaming {
  name?: string;
  /** The host's id for the customer, unique across tenants; null clears it. */
  externalId?: string | null;
}

/** A unique index refused the write (slug or external id taken, perhaps by a concurrent create): the StoreError saying which. */
function takenError(err: unknown, slug: string, externalId: string | null | undefined): StoreError | undefined {
  for (let e = err; e instanceof Error; e = e.cause) {
    if (e.message.includes('tenants.slug')) return new StoreError(`tenant "${slug}" already exists`, 'conflict');
    if (e.message.includes('tenants.external_id')) return new StoreError(`external id "${externalId}" already names another tenant`, 'conflict');
  }
  return undefined;
}

export async function createTenant(db: Database, slug: string, naming: TenantNaming = {}, actor: AuditActor = 'cli'): Promise<Tenant> {
  if (await findTenantBySlug(db, slug)) throw new StoreError(`tenant "${slug}" already exists`, 'conflict');
  const at = now();
  const tenant: Tenant = {
    id: crypto.randomUUID(),
    slug,
    name: naming.name ?? slug,
    externalId: naming.externalId ?? null,
    scimEnabled: false,
    roles: [...DEFAULT_ROLES],
    defaultRole: DEFAULT_ROLE,
    configuringRole: DEFAULT_CONFIGURING_ROLE,
    sessionIdleSeconds: 8 * 3600,
    sessionAbsoluteSeconds: 24 * 3600,
    maxUsers: DEFAULT_MAX_USERS,
    maxGroups: DEFAULT_MAX_GROUPS,
    deletingSince: null,
    createdAt: at,
    updatedAt: at,
  };
  try {
    await db.batch([db.insert(tenants).values(tenant), operatorAudit(db, tenant.id, 'tenant.create', tenant.id, actor)]);
  } catch (err) {
    throw takenError(err, slug, tenant.externalId) ?? err;
  }
  return tenant;
}

/** Renames the tenant or sets its external id (omitted fields stay). */
export async function renameTenant(db: Database, tenant: Tenant, naming: TenantNaming, actor: AuditActor = 'cli'): Promise<Tenant> {
  const change = Object.fromEntries(Object.entries(naming).filter(([, v]) => v !== undefined)) as TenantNaming;
  if (Object.keys(change).length === 0) return tenant;
  try {
    const [[updated]] = await db.batch([
      db.update(tenants).set({ ...change, updatedAt: now() }).where(eq(tenants.id, tenant.id)).returning(),
      operatorAudit(db, tenant.id, 'tenant.update', tenant.id, actor),
    ]);
    if (!updated) throw new StoreError(`unknown tenant "${tenant.slug}"`, 'not_found', 'list');
    return updated;
  } catch (err) {
    throw takenError(err, tenant.slug, change.externalId) ?? err;
  }
}

/**
 * Sets the tenant's quotas (omitted ones stay); a quota below what the tenant already holds is
 * refused. The update itself compares with the counts, which creates may have moved since `tenant` was read.
 */
export async function setQuotas(db: Database, tenant: Tenant, quotas: { maxUsers?: number | undefined; maxGroups?: number | undefined }, actor: AuditActor = 'cli'): Promise<Tenant> {
  const next = { maxUsers: quotas.maxUsers ?? tenant.maxUsers, maxGroups: quotas.maxGroups ?? tenant.maxGroups };
  for (const [name, value] of [['users', next.maxUsers], ['groups', next.maxGroups]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new StoreError(`the ${name} quota must be a whole number, got ${value}`);
  }
  const [[updated]] = await db.batch([
    db
      .update(tenants)
      .set({ ...next, updatedAt: now() })
      .where(and(eq(tenants.id, tenant.id), lte(heldCount(tenants.id, 'User'), next.maxUsers), lte(heldCount(tenants.id, 'Group'), next.maxGroups)))
      .returning(),
    auditInsertWhen(db, { tenantId: tenant.id, actor, action: 'tenant.quota', resourceType: 'Tenant', resourceId: tenant.id, outcome: 'success', detail: `users ${next.maxUsers}, groups ${next.maxGroups}` }, sql`changes() > 0`),
  ]);
  if (updated) return updated;
  if (!(await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.id, tenant.id)).get())) throw new StoreError(`unknown tenant "${tenant.slug}"`, 'not_found', 'list');
  const held = await heldBy(db, tenant.id);
  const [name, count, quota] = held.users > next.maxUsers ? ['users', held.users, next.maxUsers] : ['groups', held.groups, next.maxGroups];
  throw new StoreError(`tenant "${tenant.slug}" already holds ${count} ${name}; a quota of ${quota} would be below that`, 'conflict');
}

/**
 * The statements that turn the tenant's SCIM on or off, with their audit rows, for the change's own
 * batch. On also turns JIT sign-in off: with SCIM on, SCIM decides who exists (an operator may turn
 * JIT on again); that update and its audit row apply only where JIT was on.
 */
function scimSwitch(db: Database, tenant: Tenant, enabled: boolean, actor: AuditActor) {
  const at = now();
  const switched = [db.update(tenants).set({ scimEnabled: enabled, updatedAt: at }).where(eq(tenants.id, tenant.id)), operatorAudit(db, tenant.id, enabled ? 'scim.enable' : 'scim.disable', tenant.id, actor)] as const;
  if (!enabled) return switched;
  return [
    ...switched,
    db.update(oidcConnections).set({ jit: false, updatedAt: at }).where(and(eq(oidcConnections.tenantId, tenant.id), eq(oidcConnections.jit, true))),
    auditInsertWhen(db, { tenantId: tenant.id, actor, action: 'oidc.update', resourceType: 'OidcConnection', resourceId: tenant.id, outcome: 'success', detail: 'jit off: SCIM provisioning enabled' }, sql`changes() > 0`),
  ] as const;
}

/**
 * Turns SCIM on or off (on also turns JIT sign-in off); `actor` is who the audit rows name (`cli`,
 * or `setup:<link id>` from the setup page). Off is announced to the tenant's object.
 */
export async function setScimEnabled(db: Database, announce: AccessAnnouncer, tenant: Tenant, enabled: boolean, actor: AuditActor = 'cli'): Promise<Tenant> {
  await db.batch(scimSwitch(db, tenant, enabled, actor));
  if (!enabled) await announce(tenant.id);
  return { ...tenant, scimEnabled: enabled };
}

/** Turns SCIM on: it only widens access, so there is nothing to announce. */
export function enableScim(db: Database, tenant: Tenant, actor: AuditActor = 'cli'): Promise<Tenant> {
  return setScimEnabled(db, () => Promise.resolve(), tenant, true, actor);
}

/** Who issues a token: the operator (CLI) by default, or a setup link's page, which ties the token to its link. */
export interface TokenIssuer {
  actor: AuditActor;
  /** The token dies with this link, and at most `maxLive` of its tokens live at once. */
  setupLink?: { id: string; maxLive: number };
  /** Turn SCIM on in the token's own batch, if it is off (the setup page's one click). */
  enableScim?: boolean;
}

/** In the error SQLite raises for the cap guard's malformed JSON path; nothing else in our SQL produces it. */
const TOO_MANY_MARKER = 'too many live tokens for the setup link';

/**
 * Issues a token (returned once; only its hash is stored; `issuer.actor` as for setScimEnabled). A setup link's cap is checked by a
 * statement in the insert's own batch (a transaction), so concurrent requests cannot pass it together.
 */
export async function createScimToken(
  db: Database,
  tenant: Tenant,
  label: string,
  expiresInSeconds: number | undefined,
  issuer: TokenIssuer = { actor: 'cli' },
): Promise<{ info: ScimTokenInfo; token: string; tenant: Tenant }> {
  const token = generateScimToken();
  const createdAt = now();
  const info: ScimTokenInfo = {
    id: `tok_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`,
    tenantId: tenant.id,
    label,
    createdAt,
    lastUsedAt: null,
    expiresAt: expiresInSeconds === undefined ? null : new Date(Date.parse(createdAt) + expiresInSeconds * 1000).toISOString(),
    revokedAt: null,
    setupLinkId: issuer.setupLink?.id ?? null,
  };
  const insert = db.insert(scimTokens).values({ ...info, tokenHash: await hashToken(token) });
  const audit = operatorAudit(db, tenant.id, 'token.create', info.id, issuer.actor);
  const switchOn = issuer.enableScim && !tenant.scimEnabled ? scimSwitch(db, tenant, true, issuer.actor) : [];
  const issuedFor = switchOn.length ? { ...tenant, scimEnabled: true } : tenant;
  const link = issuer.setupLink;
  if (!link) {
    await db.batch([insert, audit, ...switchOn]);
    return { info, token, tenant: issuedFor };
  }
  const liveOfLink = sql`(SELECT count(*) FROM ${scimTokens} WHERE ${scimTokens.setupLinkId} = ${link.id} AND ${scimTokens.revokedAt} IS NULL)`;
  const cap = db
    .select({ refused: sql`json_extract('{}', ${sql.raw(`'$${TOO_MANY_MARKER}'`)})` })
    .from(tenants)
    .where(and(eq(tenants.id, tenant.id), sql`${liveOfLink} > ${link.maxLive}`));
  try {
    await db.batch([insert, cap, audit, ...switchOn]);
  } catch (err) {
    if (err instanceof Error && (err.message + String(err.cause ?? '')).includes(TOO_MANY_MARKER)) {
      throw new StoreError(`this setup link has issued ${link.maxLive} live SCIM tokens already; revoke one first, or ask the operator for another link`, 'conflict');
    }
    throw err;
  }
  return { info, token, tenant: issuedFor };
}

export async function listScimTokens(db: Database, tenant: Tenant): Promise<ScimTokenInfo[]> {
  const rows = await db.select().from(scimTokens).where(eq(scimTokens.tenantId, tenant.id)).orderBy(asc(scimTokens.createdAt)).all();
  return rows.map(({ tokenHash: _hash, ...info }) => info);
}

/** Revokes the token, in a batch with its audit row, and announces it to the tenant's object. */
export async function revokeScimToken(db: Database, announce: AccessAnnouncer, tenant: Tenant, tokenId: string, actor: AuditActor = 'cli'): Promise<ScimTokenInfo> {
  const revokedAt = now();
  const [[updated]] = await db.batch([
    db
      .update(scimTokens)
      .set({ revokedAt })
      .where(and(eq(scimTokens.id, tokenId), eq(scimTokens.tenantId, tenant.id), isNull(scimTokens.revokedAt)))
      .returning(),
    // Recorded by the same batch, only if it revoked the token.
    auditInsertWhen(db, operatorEvent(tenant.id, 'token.revoke', tokenId, actor), sql`changes() > 0`),
  ]);
  if (!updated) {
    const existing = await db.select().from(scimTokens).where(and(eq(scimTokens.id, tokenId), eq(scimTokens.tenantId, tenant.id))).get();
    if (!existing) throw new StoreError(`tenant "${tenant.slug}" has no token "${tokenId}"`, 'not_found', `token list ${tenant.slug}`);
    throw new StoreError(`token "${tokenId}" was already revoked at ${existing.revokedAt}`, 'conflict');
  }
  await announce(tenant.id);
  const { tokenHash: _hash, ...info } = updated;
  return info;
}

/** An operator (CLI) or setup-page action on the tenant. */
export function operatorEvent(tenantId: string, action: string, resourceId: string, actor: AuditActor = 'cli') {
  return { tenantId, actor, action, resourceType: 'Tenant', resourceId, outcome: 'success' } as const;
}

/** The audit row of an operator (CLI) or setup-page action, for the change's own batch. */
function operatorAudit(db: Database, tenantId: string, action: string, resourceId: string, actor: AuditActor = 'cli') {
  return auditInsert(db, operatorEvent(tenantId, action, resourceId, actor));
}
