/**
 * Kicks: the queue messages that start webhook deliveries. A kick only says "look at this tenant's
 * endpoints" (or one endpoint); the change log is the truth, so a lost or doubled kick loses or
 * doubles nothing, and the minute sweep (src/webhooks/sweep.ts) kicks whatever a lost kick left behind.
 */
import { and, eq } from 'drizzle-orm';
import { BoundedMap } from '../common/bounded-map.ts';
import { database } from '../db/client.ts';
import { webhookEndpoints } from '../db/schema.ts';
import type { Env } from '../env.ts';

export interface WebhookKick {
  tenantId: string;
  /** One endpoint (a retry, a continuation); absent: every enabled endpoint of the tenant. */
  endpointId?: string;
}

/**
 * How long an isolate trusts what it read of whether a tenant has endpoints: "none" only a second
 * (an endpoint just added starts hearing of changes within it), "some" ten (a removed endpoint's
 * kicks find nothing to do).
 */
const NO_ENDPOINTS_KNOWN_MS = 1_000;
const ENDPOINTS_KNOWN_MS = 10_000;
const hasEndpointsUntil = new BoundedMap<string, { has: boolean; until: number }>(10_000);
/** Per tenant, the announcement in flight and whether a change came after it started. */
const inFlight = new Map<string, { again: boolean; done: Promise<void> }>();

async function hasEndpoints(env: Pick<Env, 'DB'>, tenantId: string): Promise<boolean> {
  const known = hasEndpointsUntil.get(tenantId);
  if (known && known.until > Date.now()) return known.has;
  const db = database(env.DB);
  const has = (await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.enabled, true))).limit(1).all()).length > 0;
  hasEndpointsUntil.set(tenantId, { has, until: Date.now() + (has ? ENDPOINTS_KNOWN_MS : NO_ENDPOINTS_KNOWN_MS) });
  return has;
}

/**
 * Tells the delivery side that the tenant's log grew (call after the change committed). At most
 * one kick per tenant is in flight in an isolate; changes meanwhile are covered by one more kick
 * after it. Never rejects: a failed kick is the sweep's to repair.
 */
export function announceChange(env: Pick<Env, 'DB' | 'WEBHOOK_KICKS'>, tenantId: string): Promise<void> {
  const flight = inFlight.get(tenantId);
  if (flight) {
    flight.again = true;
    return flight.done;
  }
  const state = { again: false, done: Promise.resolve() };
  inFlight.set(tenantId, state);
  state.done = (async () => {
    try {
      do {
        state.again = false;
        if (await hasEndpoints(env, tenantId)) await env.WEBHOOK_KICKS.send({ tenantId });
      } while (state.again);
    } catch (err) {
      console.warn(`[webhooks] kick for tenant ${tenantId} not sent (the sweep will): ${err instanceof Error ? err.message : String(err)}`);
    } finally {
      inFlight.delete(tenantId);
    }
  })();
  return state.done;
}

/** Kicks one endpoint after `delaySeconds` (a retry after backoff, a run that stopped to yield). */
export async function kickEndpoint(env: Pick<Env, 'WEBHOOK_KICKS'>, tenantId: string, endpointId: string, delaySeconds = 0): Promise<void> {
  await env.WEBHOOK_KICKS.send({ tenantId, endpointId }, delaySeconds > 0 ? { delaySeconds: Math.min(Math.ceil(delaySeconds), 43_200) } : {});
}
