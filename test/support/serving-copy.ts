/**
 * The tenant object's serving copy next to D1, for tests that hold them equal: the tenant's users,
 * emails, groups, memberships and page buckets, read from each the same way.
 */
import { env, runInDurableObject } from 'cloudflare:test';

const QUERIES = {
  users: 'SELECT * FROM users WHERE tenant_id = ?1 ORDER BY seq',
  emails: 'SELECT * FROM user_emails WHERE tenant_id = ?1 ORDER BY user_id, value, type',
  groups: 'SELECT * FROM groups WHERE tenant_id = ?1 ORDER BY seq',
  members: 'SELECT * FROM group_members WHERE tenant_id = ?1 ORDER BY group_id, user_id',
  // D1 keeps a bucket row at 0 once its rows are gone; a rebuilt copy never made one.
  buckets: 'SELECT * FROM page_buckets WHERE tenant_id = ?1 AND count > 0 ORDER BY resource_type, bucket',
} as const;

export type DirectoryDump = Record<keyof typeof QUERIES, Record<string, unknown>[]>;

/** The tenant's directory as D1 holds it. */
export async function d1Directory(tenantId: string): Promise<DirectoryDump> {
  const results = await env.DB.batch(Object.values(QUERIES).map((q) => env.DB.prepare(q).bind(tenantId)));
  return Object.fromEntries(Object.keys(QUERIES).map((k, i) => [k, results[i]!.results])) as DirectoryDump;
}

/** The stub of the tenant's object. */
export const tenantObject = (tenantId: string) => env.TENANT.get(env.TENANT.idFromName(tenantId));

/** The tenant's directory as its object's serving copy holds it (empty tables when it has none). */
export function copyDirectory(tenantId: string): Promise<DirectoryDump> {
  return runInDurableObject(tenantObject(tenantId), (_object, state) => {
    const exists = (table: string) => state.storage.sql.exec(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`, table).toArray().length > 0;
    return Object.fromEntries(
      Object.entries(QUERIES).map(([k, q]) => {
        const table = /FROM (\w+)/.exec(q)![1]!;
        return [k, exists(table) ? state.storage.sql.exec(q, tenantId).toArray() : []];
      }),
    ) as DirectoryDump;
  });
}

/** Resets the tenant's object, as an eviction does: the next call starts a new instance on the same storage. */
export async function evict(tenantId: string): Promise<void> {
  await runInDurableObject(tenantObject(tenantId), (_object, state) => state.abort('evicted for the test')).catch(() => undefined);
}
