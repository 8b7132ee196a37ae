/**
 * The minute sweep (a scheduled handler): kicks every enabled endpoint that is behind its tenant's
 * log or owes a ping, is not held by a run and is not backing off. It repairs what a lost kick,
 * a replay or a `webhook test` from the CLI left waiting.
 */
import { sql } from 'drizzle-orm';
import { database, now } from '../db/client.ts';
import { directoryEvents, webhookEndpoints } from '../db/schema.ts';
import type { Env } from '../env.ts';
import { kickEndpoint } from './kicks.ts';

const W = webhookEndpoints;

/** Kicks the endpoints with work; returns how many. */
export async function sweepEndpoints(env: Pick<Env, 'DB' | 'WEBHOOK_KICKS'>): Promise<number> {
  const db = database(env.DB);
  const at = now();
  const due = await db
    .select({ id: W.id, tenantId: W.tenantId })
    .from(W)
    .where(
      sql`${W.enabled} = 1 AND (${W.leaseUntil} IS NULL OR ${W.leaseUntil} < ${at}) AND (${W.nextAttemptAt} IS NULL OR ${W.nextAttemptAt} <= ${at})
        AND (${W.pingRequestedAt} IS NOT NULL OR ${W.deliveredSeq} < (SELECT coalesce(max(${directoryEvents.seq}), 0) FROM ${directoryEvents} WHERE ${directoryEvents.tenantId} = ${W.tenantId}))`,
    )
    .all();
  await Promise.all(due.map((endpoint) => kickEndpoint(env, endpoint.tenantId, endpoint.id)));
  return due.length;
}
