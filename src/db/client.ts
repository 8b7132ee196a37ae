import { drizzle, type DrizzleD1Database } from 'drizzle-orm/d1';
import * as schema from './schema.ts';

/**
 * The drizzle database every query module takes: D1 in the Worker and in the local CLI; the
 * remote CLI hands in a D1-shaped adapter over `wrangler d1 execute --remote`.
 */
export type Database = DrizzleD1Database<typeof schema>;

/**
 * The D1 database that holds a tenant's data. One database today; when tenants are sharded across
 * several D1 databases, this is the one place that picks the shard.
 */
export function database(db: D1Database): Database {
  // drizzle() walks the whole schema to build its relational config: once per binding, not per call.
  let instance = instances.get(db);
  if (!instance) {
    instance = drizzle(db, { schema });
    instances.set(db, instance);
  }
  return instance;
}

const instances = new WeakMap<D1Database, Database>();

/** Milliseconds-precision UTC timestamp, the format of every `*_at` column. */
export function now(): string {
  return new Date().toISOString();
}
