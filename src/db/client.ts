import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';

/**
 * What the code uses of a D1 binding, as a D1 session has it: statements and batches. The Worker's
 * binding is one; so is every wrapper — the SCIM token guard, group commit, the CLI's busy retry
 * and its adapter over `wrangler d1 execute --remote` — each implementing exactly this.
 */
export type D1Statements = Pick<D1Database, 'prepare' | 'batch'>;

/** The drizzle database every query module takes, over any of those. */
export type Database = DrizzleD1Database & { $client: D1Statements };

/**
 * The D1 database that holds a tenant's data. One database today; when tenants are sharded across
 * several D1 databases, this is the one place that picks the shard.
 */
export function database(db: D1Statements): Database {
  // No relational schema: nothing uses `db.query`, and building its config walks every table, which
  // each SCIM request paid for its own guarded binding (~40 µs of a lookup's CPU).
  let instance = instances.get(db);
  if (!instance) {
    // drizzle's D1 session calls nothing but `prepare` and `batch` (drizzle-orm/d1/session).
    instance = drizzle(db as D1Database);
    instances.set(db, instance);
  }
  return instance;
}

const instances = new WeakMap<D1Statements, Database>();

/** Milliseconds-precision UTC timestamp, the format of every `*_at` column. */
export function now(): string {
  return new Date().toISOString();
}
