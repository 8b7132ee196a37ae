import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';

/**
 * The drizzle database every query module takes: D1 in the Worker and in the local CLI; the
 * remote CLI hands in a D1-shaped adapter over `wrangler d1 execute --remote`.
 */
export type Database = DrizzleD1Database & { $client: D1Database };

/**
 * The D1 database that holds a tenant's data. One database today; when tenants are sharded across
 * several D1 databases, this is the one place that picks the shard.
 */
export function database(db: D1Database): Database {
  // No relational schema: nothing uses `db.query`, and building its config walks every table, which
  // each SCIM request paid for its own guarded binding (~40 µs of a lookup's CPU).
  let instance = instances.get(db);
  if (!instance) {
    instance = drizzle(db);
    instances.set(db, instance);
  }
  return instance;
}

const instances = new WeakMap<D1Database, Database>();

/** Milliseconds-precision UTC timestamp, the format of every `*_at` column. */
export function now(): string {
  return new Date().toISOString();
}
