/**
 * Retention of the change log: the hourly scheduled job deletes events past retention (30 days
 * here), keeping each tenant's newest, so numbering goes on without a gap and a cursor that fell
 * behind what is kept gets 410 with the oldest kept seq.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../src/api/api-keys.ts';
import { DELETE_CHUNK } from '../src/db/chunked-delete.ts';
import { database } from '../src/db/client.ts';
import { pruneEvents, retentionCutoff } from '../src/events/retention.ts';
import { rowsReadPerStatement } from './support/observed-d1.ts';
import { createUsers } from './support/groups.ts';
import { HOURLY_PRUNE, runScheduled } from './support/scheduled.ts';
import { db, tenantWithToken } from './support/tenants.ts';

const key = (async () => (await createApiKey(db(), 'retention-test')).key)();
const feed = async (slug: string, after: number) => SELF.fetch(`https://edge.test/api/v1/tenants/${slug}/events?after=${after}`, { headers: { authorization: `Bearer ${await key}` } });
const seqsOf = async (res: Response) => ((await res.json()) as { data: { seq: number }[] }).data.map((e) => e.seq);

/** Moves the tenant's events `seqs` 40 days into the past. */
async function age(tenantId: string, seqs: number[]) {
  const past = new Date(Date.now() - 40 * 86_400_000).toISOString();
  await env.DB.prepare(`UPDATE directory_events SET occurred_at = ? WHERE tenant_id = ? AND seq IN (SELECT value FROM json_each(?))`).bind(past, tenantId, JSON.stringify(seqs)).run();
}

const prune = () => runScheduled(HOURLY_PRUNE);

describe('event retention', () => {
  it('prunes what is past retention; a cursor behind the oldest kept is 410 with oldestSeq, after=0 starts at it', async () => {
    const t = await tenantWithToken();
    const other = await tenantWithToken();
    await createUsers(t.scim, 5, 'kept');
    await createUsers(other.scim, 2, 'other');
    await age(t.tenant.id, [1, 2, 3]);
    await age(other.tenant.id, [1]);
    await prune();
    expect(await seqsOf(await feed(t.slug, 0))).toEqual([4, 5]);
    expect(await seqsOf(await feed(t.slug, 3))).toEqual([4, 5]);
    const gone = await feed(t.slug, 2);
    expect(gone.status).toBe(410);
    expect(gone.headers.get('content-type')).toBe('application/problem+json');
    expect(await gone.json()).toMatchObject({ status: 410, title: 'Gone', oldestSeq: 4 });
    expect(await seqsOf(await feed(other.slug, 0))).toEqual([2]);
  });

  it('prunes from the oldest seq: an old event behind one not past retention waits for that one to age', async () => {
    const t = await tenantWithToken();
    await createUsers(t.scim, 5, 'skewed');
    await age(t.tenant.id, [1, 2, 4]);
    await prune();
    expect(await seqsOf(await feed(t.slug, 0))).toEqual([3, 4, 5]);
    await age(t.tenant.id, [3]);
    await prune();
    expect(await seqsOf(await feed(t.slug, 0))).toEqual([5]);
  });

  it("keeps a tenant's newest event however old, so the next one is numbered after it", async () => {
    const t = await tenantWithToken();
    await createUsers(t.scim, 3, 'quiet');
    await age(t.tenant.id, [1, 2, 3]);
    await prune();
    expect(await seqsOf(await feed(t.slug, 0))).toEqual([3]);
    await createUsers(t.scim, 1, 'again');
    expect(await seqsOf(await feed(t.slug, 0))).toEqual([3, 4]);
    expect((await feed(t.slug, 1)).status).toBe(410);
  });

  it('passes each tenant once in a run of several chunks, not once per chunk', async () => {
    // 400 tenants of 8 old events and a young one each: four chunks, each of a hundred or so tenants.
    const prefix = `walk-${crypto.randomUUID().slice(0, 8)}`;
    const at = new Date().toISOString();
    await env.DB.prepare(
      `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 400)
       INSERT INTO tenants (id, slug, name, roles, default_role, created_at, updated_at) SELECT ?1 || printf('-%03d', n), ?1 || printf('-%03d', n), 'Walk', '["member"]', 'member', ?2, ?2 FROM t`,
    )
      .bind(prefix, at)
      .run();
    await env.DB.prepare(
      `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 400), k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 9)
       INSERT INTO directory_events (tenant_id, seq, id, type, actor, occurred_at, data)
       SELECT ?1 || printf('-%03d', t.n), k.i, 'evt_' || t.n || '_' || k.i, 'user.updated', 'operator', CASE WHEN k.i < 9 THEN ?2 ELSE ?3 END, '{}' FROM t CROSS JOIN k`,
    )
      .bind(prefix, new Date(Date.now() - 40 * 86_400_000).toISOString(), at)
      .run();
    const { d1: counted, statements: chunks } = rowsReadPerStatement(env.DB);
    expect(await pruneEvents(database(counted), retentionCutoff(30))).toBeGreaterThanOrEqual(3200);
    expect(await env.DB.prepare('SELECT count(*) AS n FROM directory_events WHERE tenant_id LIKE ?').bind(`${prefix}-%`).first('n')).toBe(400);
    // A chunk that walked again past the tenants already done would read a row more for each.
    const [first, ...later] = chunks.filter((c) => c.returned === DELETE_CHUNK);
    expect(later.length).toBeGreaterThanOrEqual(2);
    for (const chunk of later) expect(chunk.read, JSON.stringify(chunks)).toBeLessThanOrEqual(first!.read + 20);
  });

  it("prunes a tenant's long run of old events reading a few rows for each, not the run again for each", async () => {
    const { tenant } = await tenantWithToken();
    // After an import, 5,000 events past retention and a newer one (seqs after the tenant's own).
    const start = (await env.DB.prepare('SELECT coalesce(max(seq), 0) AS s FROM directory_events WHERE tenant_id = ?').bind(tenant.id).first<number>('s'))!;
    await env.DB.prepare(
      `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 5001)
       INSERT INTO directory_events (tenant_id, seq, id, type, actor, occurred_at, data) SELECT ?1, ?2 + i, 'evt_run_' || i, 'user.updated', 'operator', CASE WHEN i < 5001 THEN ?3 ELSE ?4 END, '{}' FROM k`,
    )
      .bind(tenant.id, start, new Date(Date.now() - 40 * 86_400_000).toISOString(), new Date().toISOString())
      .run();
    const { d1: counted, statements } = rowsReadPerStatement(env.DB);
    const deleted = await pruneEvents(database(counted), retentionCutoff(30));
    const read = statements.reduce((sum, s) => sum + s.read, 0);
    expect(deleted).toBeGreaterThanOrEqual(5000);
    expect(await env.DB.prepare('SELECT min(seq) - ? AS s FROM directory_events WHERE tenant_id = ?').bind(start, tenant.id).first('s')).toBe(5001);
    // Looked for from the oldest event for each one, the first kept event cost 15,000,000 rows here.
    expect(read).toBeLessThan(10 * deleted);
  });
});
