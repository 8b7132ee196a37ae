/**
 * Webhook endpoints of a tenant, shared by the CLI (`npm run tenant -- webhook …`) and the Worker:
 * add, list with health, remove, rotate the secret, replay from a seq, ask for a ping, re-enable.
 * Each change is audited in its own batch. The signing secret is shown once and kept sealed: the
 * Worker must sign with it, so it cannot be a hash.
 */
import { and, asc, eq, sql } from 'drizzle-orm';
import { auditInsert, type AuditActor } from '../audit/audit-log.ts';
import { open, seal } from '../common/secret-box.ts';
import { now, type Database } from '../db/client.ts';
import { webhookDeadLetters, webhookEndpoints } from '../db/schema.ts';
import { EVENT_TYPES } from '../events/event-log.ts';
import { lastSeq } from '../events/event-feed.ts';
import { StoreError } from '../http/errors.ts';
import type { Tenant } from '../tenants/tenant-store.ts';
import { newWebhookSecret } from './signing.ts';

export type EndpointRow = typeof webhookEndpoints.$inferSelect;
/** An endpoint as listed: its health, never its secrets. */
export type EndpointInfo = Omit<EndpointRow, 'secretSealed' | 'previousSecretSealed' | 'leaseUntil'>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The receiver URL, checked: `https://` (plain `http://` only to loopback in local development), no credentials. */
export function receiverUrl(text: string, localDev: boolean): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new StoreError(`"${text}" is not a URL; a receiver is https://host/path`);
  }
  if (url.username || url.password) throw new StoreError('a receiver URL carries no user name or password: authenticate deliveries by their signature');
  if (url.protocol === 'https:') return url.href;
  if (url.protocol === 'http:' && localDev && LOOPBACK_HOSTS.has(url.hostname)) return url.href;
  throw new StoreError(localDev ? `a receiver is https://, or http:// on 127.0.0.1 or localhost in local development; got ${url.protocol}//${url.host}` : `a receiver must be https://; got ${url.protocol}//${url.host}`);
}

/** The event type patterns an endpoint subscribes to: `*`, `user.*`, or exact types, comma-separated. */
export function eventPatterns(text: string): string {
  const patterns = text.split(',').map((p) => p.trim()).filter(Boolean);
  if (patterns.length === 0) throw new StoreError('--events names at least one type or pattern, like "user.*,group.deleted"');
  for (const pattern of patterns) {
    const known = pattern === '*' || (pattern.endsWith('.*') ? EVENT_TYPES.some((t) => t.startsWith(pattern.slice(0, -1))) : (EVENT_TYPES as readonly string[]).includes(pattern));
    if (!known) throw new StoreError(`--events: "${pattern}" matches no event type; the types are ${EVENT_TYPES.join(', ')}`);
  }
  return patterns.join(',');
}

/** Whether an event of `type` is one the endpoint subscribed to (`ping` always is). */
export function subscribes(patterns: string, type: string): boolean {
  return type === 'ping' || patterns.split(',').some((p) => p === '*' || p === type || (p.endsWith('.*') && type.startsWith(p.slice(0, -1))));
}

const infoOf = ({ secretSealed: _s, previousSecretSealed: _p, leaseUntil: _l, ...info }: EndpointRow): EndpointInfo => info;

const audit = (db: Database, tenant: Tenant, actor: AuditActor, action: string, id: string, detail?: string) =>
  auditInsert(db, { tenantId: tenant.id, actor, action, resourceType: 'WebhookEndpoint', resourceId: id, outcome: 'success', ...(detail ? { detail } : {}) });

/**
 * Adds an endpoint receiving the tenant's events from now on (`delivered_seq` = the newest seq):
 * its secret is returned once.
 */
export async function addEndpoint(db: Database, secretsKey: string, tenant: Tenant, input: { url: string; events?: string; localDev: boolean; actor?: AuditActor }): Promise<{ info: EndpointInfo; secret: string }> {
  const url = receiverUrl(input.url, input.localDev);
  const events = eventPatterns(input.events ?? '*');
  const id = `whk_${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
  const secret = newWebhookSecret();
  const row: EndpointRow = {
    id,
    tenantId: tenant.id,
    url,
    events,
    secretSealed: await seal(secretsKey, 'webhook-secret', secret, id),
    previousSecretSealed: null,
    previousSecretUntil: null,
    deliveredSeq: await lastSeq(db, tenant.id),
    enabled: true,
    disabledReason: null,
    consecutiveFailures: 0,
    failingSince: null,
    lastError: null,
    lastAttemptAt: null,
    lastSuccessAt: null,
    nextAttemptAt: null,
    leaseUntil: null,
    pingRequestedAt: null,
    createdAt: now(),
  };
  await db.batch([db.insert(webhookEndpoints).values(row), audit(db, tenant, input.actor ?? 'cli', 'webhook.add', id, `${url} events ${events}`)]);
  return { info: infoOf(row), secret };
}

/** The tenant's endpoints, oldest first, with their health and dead letters counted. */
export async function listEndpoints(db: Database, tenant: Tenant): Promise<(EndpointInfo & { deadLetters: number })[]> {
  const rows = await db
    .select({ endpoint: webhookEndpoints, deadLetters: sql<number>`(SELECT count(*) FROM ${webhookDeadLetters} WHERE ${webhookDeadLetters.endpointId} = ${webhookEndpoints.id})` })
    .from(webhookEndpoints)
    .where(eq(webhookEndpoints.tenantId, tenant.id))
    .orderBy(asc(webhookEndpoints.createdAt))
    .all();
  return rows.map(({ endpoint, deadLetters }) => ({ ...infoOf(endpoint), deadLetters }));
}

/** Endpoint `id` of the tenant, or a StoreError naming what to do. */
export async function requireEndpoint(db: Database, tenant: Tenant, id: string): Promise<EndpointRow> {
  const row = await db.select().from(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenant.id), eq(webhookEndpoints.id, id))).get();
  if (!row) throw new StoreError(`tenant "${tenant.slug}" has no webhook "${id}"`, 'not_found', `webhook list ${tenant.slug}`);
  return row;
}

/** Applies `set` to endpoint `id` with its audit row, in one batch. */
async function change(db: Database, tenant: Tenant, id: string, set: Partial<EndpointRow>, action: string, detail?: string, actor: AuditActor = 'cli'): Promise<EndpointInfo> {
  await requireEndpoint(db, tenant, id);
  const [[updated]] = await db.batch([
    db.update(webhookEndpoints).set(set).where(and(eq(webhookEndpoints.tenantId, tenant.id), eq(webhookEndpoints.id, id))).returning(),
    audit(db, tenant, actor, action, id, detail),
  ]);
  return infoOf(updated!);
}

/** Removes endpoint `id` (its dead letters go with it). */
export async function removeEndpoint(db: Database, tenant: Tenant, id: string, actor: AuditActor = 'cli'): Promise<void> {
  await requireEndpoint(db, tenant, id);
  await db.batch([db.delete(webhookEndpoints).where(and(eq(webhookEndpoints.tenantId, tenant.id), eq(webhookEndpoints.id, id))), audit(db, tenant, actor, 'webhook.remove', id)]);
}

/** A new secret for endpoint `id`; the current one keeps signing too for `graceSeconds`. */
export async function rotateSecret(db: Database, secretsKey: string, tenant: Tenant, id: string, graceSeconds: number): Promise<{ info: EndpointInfo; secret: string }> {
  const row = await requireEndpoint(db, tenant, id);
  const secret = newWebhookSecret();
  const until = new Date(Date.now() + graceSeconds * 1000).toISOString();
  const info = await change(
    db,
    tenant,
    id,
    { secretSealed: await seal(secretsKey, 'webhook-secret', secret, id), previousSecretSealed: row.secretSealed, previousSecretUntil: until },
    'webhook.rotate',
    `previous secret signs until ${until}`,
  );
  return { info, secret };
}

/** Redelivers from `fromSeq` on: the cursor moves back, and the next delivery run starts there. */
export async function replayFrom(db: Database, tenant: Tenant, id: string, fromSeq: number, actor: AuditActor = 'cli'): Promise<EndpointInfo> {
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 1) throw new StoreError(`the seq to replay from is a whole number, 1 or more; got ${fromSeq}`);
  return change(db, tenant, id, { deliveredSeq: fromSeq - 1, nextAttemptAt: null }, 'webhook.replay', `from seq ${fromSeq}`, actor);
}

/** Asks for a signed `ping` before the endpoint's next event. */
export async function requestPing(db: Database, tenant: Tenant, id: string, actor: AuditActor = 'cli'): Promise<EndpointInfo> {
  return change(db, tenant, id, { pingRequestedAt: now(), nextAttemptAt: null }, 'webhook.test', undefined, actor);
}

/** Re-enables a disabled endpoint: its failures are forgotten and delivery resumes where it stopped. */
export async function enableEndpoint(db: Database, tenant: Tenant, id: string, actor: AuditActor = 'cli'): Promise<EndpointInfo> {
  return change(db, tenant, id, { enabled: true, disabledReason: null, consecutiveFailures: 0, failingSince: null, nextAttemptAt: null }, 'webhook.enable', undefined, actor);
}

/** The secrets that sign a delivery now: the current one, and during a rotation's grace the previous one. */
export async function signingSecrets(secretsKey: string, row: EndpointRow, at: string): Promise<string[]> {
  const current = await open(secretsKey, 'webhook-secret', row.secretSealed, row.id);
  if (current === undefined) throw new Error(`webhook ${row.id}: its secret does not open with this SECRETS_KEY`);
  const previous = row.previousSecretSealed && row.previousSecretUntil && row.previousSecretUntil > at ? await open(secretsKey, 'webhook-secret', row.previousSecretSealed, row.id) : undefined;
  return previous ? [current, previous] : [current];
}
