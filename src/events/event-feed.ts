/**
 * Reading the change log: events in `seq` order after a cursor, as the feed (`/api/v1/…/events`)
 * and webhook deliveries show them. The log keeps a tenant's newest event through every prune
 * (src/events/retention.ts), so the oldest kept seq tells a cursor that fell behind from one that
 * is merely caught up.
 */
import { and, asc, eq, gt, sql } from 'drizzle-orm';
import type { Database } from '../db/client.ts';
import { directoryEvents } from '../db/schema.ts';

/** An event as the feed and webhooks deliver it (README "Receive directory changes"). */
export interface DirectoryEvent {
  id: string;
  seq: number;
  type: string;
  tenant: string;
  occurredAt: string;
  actor: string;
  data: unknown;
}

/** The tenant an event belongs to, as its envelope names it. */
export interface EventTenant {
  id: string;
  slug: string;
}

type EventRow = typeof directoryEvents.$inferSelect;

/** The envelope of a stored event. */
export function envelope(tenant: EventTenant, row: Pick<EventRow, 'id' | 'seq' | 'type' | 'occurredAt' | 'actor' | 'data'>): DirectoryEvent {
  return { id: row.id, seq: row.seq, type: row.type, tenant: tenant.slug, occurredAt: row.occurredAt, actor: row.actor, data: JSON.parse(row.data) as unknown };
}

export type FeedPage = { kind: 'page'; events: DirectoryEvent[]; next: number } | { kind: 'gone'; oldestSeq: number };

/**
 * Up to `limit` events after seq `after`, oldest first, and the cursor to ask from next; `gone`
 * when events after `after` were pruned already (the reader missed some and must start over).
 * `after` 0 starts at the oldest kept event, pruned or not.
 */
export async function eventsAfter(db: Database, tenant: EventTenant, after: number, limit: number): Promise<FeedPage> {
  const [bounds, rows] = await db.batch([
    db.select({ oldest: sql<number | null>`min(${directoryEvents.seq})` }).from(directoryEvents).where(eq(directoryEvents.tenantId, tenant.id)),
    db.select().from(directoryEvents).where(and(eq(directoryEvents.tenantId, tenant.id), gt(directoryEvents.seq, after))).orderBy(asc(directoryEvents.seq)).limit(limit),
  ]);
  const oldest = bounds[0]?.oldest ?? null;
  if (oldest !== null && after > 0 && after < oldest - 1) return { kind: 'gone', oldestSeq: oldest };
  const events = rows.map((row) => envelope(tenant, row));
  return { kind: 'page', events, next: events.at(-1)?.seq ?? after };
}

/** The tenant's newest seq (0 before its first event). */
export async function lastSeq(db: Database, tenantId: string): Promise<number> {
  const row = await db.select({ seq: sql<number | null>`max(${directoryEvents.seq})` }).from(directoryEvents).where(eq(directoryEvents.tenantId, tenantId)).get();
  return row?.seq ?? 0;
}
