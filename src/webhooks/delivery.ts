/**
 * Webhook delivery, the queue consumer's work: each endpoint receives its tenant's events one at a
 * time in `seq` order, each signed per Standard Webhooks (`webhook-id` = the event id). One run at
 * a time per endpoint (a lease in D1); a failure stops the run and holds back that endpoint's later
 * events only, retried after exponential backoff; an endpoint failing without a success for
 * `disableAfterSeconds` is disabled with a dead letter. At least once: the cursor is stored once a
 * page of events, so a run that dies before storing it sends that page again, with the same `webhook-id`s.
 */
import { and, eq, isNull, lt, or } from 'drizzle-orm';
import type { Config, WebhookSettings } from '../config.ts';
import { configOf } from '../config.ts';
import { database, now, type Database } from '../db/client.ts';
import { tenants, webhookDeadLetters, webhookEndpoints } from '../db/schema.ts';
import type { Env } from '../env.ts';
import { eventsAfter, lastSeq, type DirectoryEvent, type EventTenant } from '../events/event-feed.ts';
import { receiverUrl, signingSecrets, subscribes, type EndpointRow } from './endpoint-store.ts';
import { kickEndpoint, type WebhookKick } from './kicks.ts';
import { webhookSigner } from './signing.ts';

type Signer = Awaited<ReturnType<typeof webhookSigner>>;

/** A run delivers for this long at most, then hands over to a fresh kick (other endpoints' runs share the consumer). */
const RUN_BUDGET_MS = 30_000;
/** Events read per page of a run. */
const PAGE = 50;

/** How a run ended: caught up, stopped by a failure (retry after `delaySeconds`), out of time, or nothing to do. */
type RunEnd = { kind: 'caught-up'; cursor: number } | { kind: 'retry'; delaySeconds: number } | { kind: 'yield' } | { kind: 'idle' };

/** The delay before retry `failures` (1, 2, …): the base doubled each time, capped. */
export function retryDelaySeconds(settings: WebhookSettings, failures: number): number {
  return Math.min(settings.retryMaxSeconds, settings.retryBaseSeconds * 2 ** Math.min(failures - 1, 30));
}

/** POSTs one event (or ping); undefined on a 2xx, else why it failed. Redirects are not followed. */
async function post(url: string, sign: Signer, event: DirectoryEvent | PingEvent, timeoutSeconds: number): Promise<string | undefined> {
  const body = JSON.stringify(event);
  const headers = await sign(event.id, Math.floor(Date.now() / 1000), body);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', 'user-agent': 'edge-identity-webhooks' },
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutSeconds * 1000),
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300 ? undefined : `HTTP ${res.status} from the receiver`;
  } catch (err) {
    if (err instanceof DOMException && (err.name === 'TimeoutError' || err.name === 'AbortError')) return `no answer within ${timeoutSeconds} s`;
    return `could not reach the receiver: ${err instanceof Error ? err.message : String(err)}`;
  }
}

/** `webhook test`'s delivery: signed like an event, not in the log. */
interface PingEvent {
  id: string;
  type: 'ping';
  tenant: string;
  occurredAt: string;
  data: { endpointId: string };
}

const where = (endpoint: Pick<EndpointRow, 'id' | 'tenantId'>) => and(eq(webhookEndpoints.tenantId, endpoint.tenantId), eq(webhookEndpoints.id, endpoint.id));

/** One endpoint's run, under its lease: the ping it owes, then events after its cursor. */
class EndpointRun {
  readonly db: Database;
  readonly config: Config;
  readonly endpoint: EndpointRow;
  readonly tenant: EventTenant;
  /** The highest seq delivered (or skipped as not subscribed) so far. */
  cursor: number;
  /** The cursor as this run last stored it (what D1 holds unless someone moved it). */
  #stored: number;
  #failures: number;
  #failingSince: string | null;
  /** When this run last had a 2xx (null before its first). */
  #lastSuccessAt: string | null = null;

  constructor(db: Database, config: Config, endpoint: EndpointRow, tenant: EventTenant) {
    this.db = db;
    this.config = config;
    this.endpoint = endpoint;
    this.tenant = tenant;
    this.cursor = endpoint.deliveredSeq;
    this.#stored = endpoint.deliveredSeq;
    this.#failures = endpoint.consecutiveFailures;
    this.#failingSince = endpoint.failingSince;
  }

  /**
   * `named`: the kick named this endpoint (its retry, or a continuation), rather than its tenant.
   * A tenant's kick during a backoff does nothing: the retry's own kick is already on its way, and
   * re-sending one per change would multiply them through a long outage.
   */
  async run(startedAt: number, named: boolean): Promise<RunEnd> {
    const { db, endpoint, config } = this;
    const at = now();
    if (endpoint.nextAttemptAt && endpoint.nextAttemptAt > at) return named ? { kind: 'retry', delaySeconds: (Date.parse(endpoint.nextAttemptAt) - Date.now()) / 1000 } : { kind: 'idle' };
    try {
      receiverUrl(endpoint.url, config.localDev);
    } catch (err) {
      await db.update(webhookEndpoints).set({ enabled: false, disabledReason: (err as Error).message }).where(where(endpoint));
      return { kind: 'idle' };
    }
    const sign = await webhookSigner(await signingSecrets(config.secretsKey, endpoint, at));
    if (endpoint.pingRequestedAt) {
      const ping: PingEvent = { id: `ping_${crypto.randomUUID().replace(/-/g, '')}`, type: 'ping', tenant: this.tenant.slug, occurredAt: at, data: { endpointId: endpoint.id } };
      const failure = await post(endpoint.url, sign, ping, config.webhooks.timeoutSeconds);
      if (failure) return this.#failed(ping.id, this.cursor + 1, failure);
      this.#succeeded();
      await db.update(webhookEndpoints).set({ ...this.#health(), pingRequestedAt: null }).where(and(where(endpoint), eq(webhookEndpoints.pingRequestedAt, endpoint.pingRequestedAt)));
    }
    while (Date.now() - startedAt < RUN_BUDGET_MS) {
      const page = await eventsAfter(db, this.tenant, this.cursor, PAGE);
      if (page.kind === 'gone') {
        await this.#pruned(page.oldestSeq);
        continue;
      }
      if (page.events.length === 0) return (await this.#store({})) ? { kind: 'caught-up', cursor: this.cursor } : { kind: 'yield' };
      for (const event of page.events) {
        if (!subscribes(endpoint.events, event.type)) {
          this.cursor = event.seq;
          continue;
        }
        const failure = await post(endpoint.url, sign, event, config.webhooks.timeoutSeconds);
        if (failure) return this.#failed(event.id, event.seq, failure);
        this.cursor = event.seq;
        this.#succeeded();
      }
      // The cursor is stored once a page: a run that dies sends at most that page again (same ids).
      if (!(await this.#store(this.#health()))) return { kind: 'yield' };
    }
    await this.#store({});
    return { kind: 'yield' };
  }

  /**
   * Stores the cursor (with `set`) unless it moved since this run last stored it: a replay or an
   * enable meanwhile wins, and the run stops so that a fresh one starts from there. False then.
   */
  async #store(set: Partial<EndpointRow>): Promise<boolean> {
    if (this.cursor === this.#stored && Object.keys(set).length === 0) return true;
    const moved = await this.db
      .update(webhookEndpoints)
      .set({ ...set, deliveredSeq: this.cursor })
      .where(and(where(this.endpoint), eq(webhookEndpoints.deliveredSeq, this.#stored)))
      .returning({ id: webhookEndpoints.id });
    if (moved.length === 0) return false;
    this.#stored = this.cursor;
    return true;
  }

  #succeeded(): void {
    this.#failures = 0;
    this.#failingSince = null;
    this.#lastSuccessAt = now();
  }

  /** The health columns after this run's successes so far (nothing to store before the first). */
  #health(): Partial<EndpointRow> {
    if (this.#lastSuccessAt === null) return {};
    return { consecutiveFailures: 0, failingSince: null, nextAttemptAt: null, lastAttemptAt: this.#lastSuccessAt, lastSuccessAt: this.#lastSuccessAt };
  }

  /** Records a failed delivery of `eventId` (seq `seq`): a retry after backoff, or after a long outage the endpoint disabled with a dead letter. */
  async #failed(eventId: string, seq: number, error: string): Promise<RunEnd> {
    const { db, endpoint, config } = this;
    const at = now();
    this.#failures += 1;
    this.#failingSince ??= at;
    const health = { ...(this.#lastSuccessAt ? { lastSuccessAt: this.#lastSuccessAt } : {}), consecutiveFailures: this.#failures, failingSince: this.#failingSince, lastError: error, lastAttemptAt: at };
    if ((Date.parse(at) - Date.parse(this.#failingSince)) / 1000 >= config.webhooks.disableAfterSeconds) {
      if (!(await this.#store({ ...health, enabled: false, nextAttemptAt: null, disabledReason: `failing since ${this.#failingSince}; last error: ${error}` }))) return { kind: 'yield' };
      await db.insert(webhookDeadLetters).values({ endpointId: endpoint.id, tenantId: endpoint.tenantId, eventId, seq, attempts: this.#failures, lastError: error, at });
      return { kind: 'idle' };
    }
    const delaySeconds = retryDelaySeconds(config.webhooks, this.#failures);
    if (!(await this.#store({ ...health, nextAttemptAt: new Date(Date.parse(at) + delaySeconds * 1000).toISOString() }))) return { kind: 'yield' };
    return { kind: 'retry', delaySeconds };
  }

  /** The events after the cursor were pruned before this endpoint took them: a dead letter names the gap, and delivery goes on from the oldest kept. */
  async #pruned(oldestSeq: number): Promise<void> {
    const { db, endpoint } = this;
    const error = `events ${this.cursor + 1}–${oldestSeq - 1} were pruned (retention) before this endpoint received them`;
    await db.insert(webhookDeadLetters).values({ endpointId: endpoint.id, tenantId: endpoint.tenantId, eventId: `pruned:${this.cursor + 1}-${oldestSeq - 1}`, seq: this.cursor + 1, attempts: 0, lastError: error, at: now() });
    this.cursor = oldestSeq - 1;
    await this.#store({ lastError: error });
  }
}

/** A lease outlives a run's budget and its last delivery's timeout: a run that died frees its endpoint after it. */
const leaseMs = (settings: WebhookSettings) => RUN_BUDGET_MS + settings.timeoutSeconds * 1000 + 30_000;

/**
 * Runs endpoint `endpointId` if no other run holds it. A run that finds the lease taken does
 * nothing: the holder looks at the log again after it lets go, so the change that sent this kick
 * is delivered by it or by the kick it sends then.
 */
export async function runEndpoint(env: Pick<Env, 'DB' | 'WEBHOOK_KICKS'>, config: Config, tenantId: string, endpointId: string, named: boolean): Promise<void> {
  const db = database(env.DB);
  const startedAt = Date.now();
  const at = now();
  const leaseUntil = new Date(startedAt + leaseMs(config.webhooks)).toISOString();
  const endpoint = await db
    .update(webhookEndpoints)
    .set({ leaseUntil })
    .where(and(where({ id: endpointId, tenantId }), eq(webhookEndpoints.enabled, true), or(isNull(webhookEndpoints.leaseUntil), lt(webhookEndpoints.leaseUntil, at))))
    .returning()
    .get();
  if (!endpoint) return;
  let end: RunEnd = { kind: 'idle' };
  try {
    const tenant = await db.select({ id: tenants.id, slug: tenants.slug }).from(tenants).where(eq(tenants.id, tenantId)).get();
    if (tenant) end = await new EndpointRun(db, config, endpoint, tenant).run(startedAt, named);
  } finally {
    await db.update(webhookEndpoints).set({ leaseUntil: null }).where(and(where(endpoint), eq(webhookEndpoints.leaseUntil, leaseUntil)));
  }
  if (end.kind === 'retry') await kickEndpoint(env, tenantId, endpointId, Math.max(1, end.delaySeconds));
  else if (end.kind === 'yield' || (end.kind === 'caught-up' && (await lastSeq(db, tenantId)) > end.cursor)) await kickEndpoint(env, tenantId, endpointId);
}

/** The queue consumer: one run per endpoint the batch's kicks name (a tenant's kick names its enabled endpoints). */
export async function deliverKicks(batch: MessageBatch<WebhookKick>, env: Env): Promise<void> {
  const config = configOf(env);
  const db = database(env.DB);
  const endpoints = new Map<string, { tenantId: string; named: boolean }>();
  const tenantsKicked = new Set<string>();
  for (const message of batch.messages) {
    if (message.body.endpointId) endpoints.set(message.body.endpointId, { tenantId: message.body.tenantId, named: true });
    else tenantsKicked.add(message.body.tenantId);
  }
  for (const tenantId of tenantsKicked) {
    const rows = await db.select({ id: webhookEndpoints.id }).from(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenantId), eq(webhookEndpoints.enabled, true))).all();
    for (const row of rows) if (!endpoints.has(row.id)) endpoints.set(row.id, { tenantId, named: false });
  }
  const runs = await Promise.allSettled([...endpoints].map(([endpointId, { tenantId, named }]) => runEndpoint(env, config, tenantId, endpointId, named)));
  const failed = runs.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
  for (const failure of failed) console.error('[webhooks] delivery run failed', failure.reason);
  // A run that failed (D1 unavailable) is the batch's to retry; deliveries themselves never throw.
  if (failed.length) batch.retryAll({ delaySeconds: 5 });
  else batch.ackAll();
}
