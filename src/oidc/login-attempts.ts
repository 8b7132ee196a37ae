/**
 * Single use of sign-in attempts, kept in the tenant Durable Object's own storage: consumed ids
 * stay until the attempt would have expired anyway, then an alarm sweeps them.
 */
import type { Env } from '../env.ts';
import { tenantObjectStub } from '../tenant-object-stub.ts';

const PREFIX = 'login-attempt:';

/** What sign-in needs of the tenant object: a strongly consistent single-use check (src/oidc/login-state.ts). */
export interface LoginAttemptLedger {
  /** True the first time `attemptId` is presented, false for a replayed callback. */
  consumeLoginAttempt(attemptId: string, expiresAtMs: number): Promise<boolean>;
}

/** The ledger of tenant `tenantId`: its tenant object, seen through this port (see src/scim/port/tenant-writes.ts). */
export function loginAttempts(env: Env, tenantId: string): LoginAttemptLedger {
  return tenantObjectStub(env, tenantId) as unknown as LoginAttemptLedger;
}

/**
 * Marks `attemptId` used; true the first time, false on every replay. The read and the write run
 * without an await on anything but this object's storage, so the input gate makes them atomic.
 */
export async function consumeAttempt(storage: DurableObjectStorage, attemptId: string, expiresAtMs: number): Promise<boolean> {
  const key = PREFIX + attemptId;
  if ((await storage.get(key)) !== undefined) return false;
  await storage.put(key, expiresAtMs);
  const alarm = await storage.getAlarm();
  if (alarm === null || alarm > expiresAtMs) await storage.setAlarm(expiresAtMs);
  return true;
}

/** Deletes consumed ids whose attempts have expired and re-arms the alarm for the next one. */
export async function sweepAttempts(storage: DurableObjectStorage, nowMs = Date.now()): Promise<void> {
  let next: number | undefined;
  const expired: string[] = [];
  for (const [key, expiresAt] of await storage.list<number>({ prefix: PREFIX })) {
    if (expiresAt <= nowMs) expired.push(key);
    else next = next === undefined ? expiresAt : Math.min(next, expiresAt);
  }
  for (let i = 0; i < expired.length; i += 128) await storage.delete(expired.slice(i, i + 128));
  if (next !== undefined) await storage.setAlarm(next);
}
