/**
 * Operator API keys for the management API (`/api/v1`), shared by the Worker (verification) and the
 * CLI (issuing): `eid_api_` + 256 random bits, shown once, stored only as a SHA-256 hash. A key bound
 * to a tenant reads only that tenant; an unbound key is the operator's, for every tenant.
 */
import { and, asc, eq, isNull } from 'drizzle-orm';
import { now, type Database } from '../db/client.ts';
import { apiKeys, tenants } from '../db/schema.ts';
import { StoreError } from '../http/errors.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { constantTimeEqual, generatePrefixedSecret, hashToken, hasPrefixedSecretShape } from '../tenants/tokens.ts';

export const API_KEY_PREFIX = 'eid_api_';

type ApiKeyRow = typeof apiKeys.$inferSelect;
/** A key as listed: never its hash. */
export type ApiKeyInfo = Omit<ApiKeyRow, 'keyHash'>;

/** Issues a key, bound to `tenant` when given; the key is returned once and only its hash is stored. */
export async function createApiKey(db: Database, label: string, tenant?: Tenant): Promise<{ info: ApiKeyInfo; key: string }> {
  const key = generatePrefixedSecret(API_KEY_PREFIX);
  const info: ApiKeyInfo = { id: `key_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`, label, tenantId: tenant?.id ?? null, createdAt: now(), revokedAt: null };
  await db.insert(apiKeys).values({ ...info, keyHash: await hashToken(key) });
  return { info, key };
}

/** Every key, oldest first, without hashes, with the slug of the tenant it is bound to. */
export async function listApiKeys(db: Database): Promise<(ApiKeyInfo & { tenant: string | null })[]> {
  const rows = await db.select({ key: apiKeys, tenant: tenants.slug }).from(apiKeys).leftJoin(tenants, eq(tenants.id, apiKeys.tenantId)).orderBy(asc(apiKeys.createdAt)).all();
  return rows.map(({ key: { keyHash: _hash, ...info }, tenant }) => ({ ...info, tenant }));
}

/** Revokes key `id`; it stops working on its next request. */
export async function revokeApiKey(db: Database, id: string): Promise<ApiKeyInfo> {
  const [revoked] = await db.update(apiKeys).set({ revokedAt: now() }).where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt))).returning();
  if (revoked) {
    const { keyHash: _hash, ...info } = revoked;
    return info;
  }
  const existing = await db.select({ revokedAt: apiKeys.revokedAt }).from(apiKeys).where(eq(apiKeys.id, id)).get();
  throw existing ? new StoreError(`API key "${id}" was already revoked at ${existing.revokedAt}`, 'conflict') : new StoreError(`there is no API key "${id}"`, 'not_found', 'api-key list');
}

/** The live key `presented` is, or undefined: checked by shape, then by its hash, compared in constant time. */
export async function liveApiKey(db: Database, presented: string): Promise<ApiKeyInfo | undefined> {
  if (!hasPrefixedSecretShape(API_KEY_PREFIX, presented)) return undefined;
  const hash = await hashToken(presented);
  const row = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).get();
  if (!row || !constantTimeEqual(row.keyHash, hash) || row.revokedAt !== null) return undefined;
  const { keyHash: _hash, ...info } = row;
  return info;
}
