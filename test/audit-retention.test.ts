/**
 * Retention of the audit log: the hourly scheduled job deletes rows older than AUDIT_RETENTION_DAYS
 * (90 by default), in chunks of the oldest rows, and keeps everything younger.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { pruneAudit } from '../src/audit/audit-retention.ts';
import { DELETE_CHUNK } from '../src/db/chunked-delete.ts';
import { database } from '../src/db/client.ts';
import { retentionCutoff } from '../src/events/retention.ts';
import { rowsReadPerStatement } from './support/observed-d1.ts';
import { createUsers } from './support/groups.ts';
import { HOURLY_PRUNE, runScheduled } from './support/scheduled.ts';
import { tenantWithToken } from './support/tenants.ts';

const daysAgo = (days: number) => new Date(Date.now() - days * 86_400_000).toISOString();

/** `n` audit rows of `tenantId`, all recorded at one instant `days` ago, as history from before (ids 1…n of that instant). */
async function history(tenantId: string, n: number, days: number, action = 'user.patch') {
  await env.DB.prepare(
    `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
     INSERT INTO audit_log (id, tenant_id, at, actor, action, resource_type, resource_id, outcome, status) SELECT i, ?, ?, 'token:tok_old', ?, 'User', 'u' || i, 'success', 200 FROM k`,
  )
    .bind(n, tenantId, daysAgo(days), action)
    .run();
}

const countOf = async (tenantId: string, action: string) =>
  (await env.DB.prepare('SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action = ?').bind(tenantId, action).first<{ n: number }>())!.n;

const prune = () => runScheduled(HOURLY_PRUNE);

describe('audit retention', () => {
  it('deletes rows past 90 days in several chunks, of every tenant, and keeps younger rows and new writes', async () => {
    const b = { tenant: { id: crypto.randomUUID() } };
    const a = { tenant: { id: crypto.randomUUID() } };
    await history(a.tenant.id, DELETE_CHUNK * 2 + 500, 120, 'old.a');
    // A row older than one written before it is pruned all the same.
    await history(b.tenant.id, 5, 10, 'young.b');
    await history(b.tenant.id, 10, 91, 'old.b');
    await history(a.tenant.id, 20, 89, 'young.a');
    const live = await tenantWithToken();
    await env.DB.prepare('UPDATE audit_log SET tenant_id = ? WHERE tenant_id = ?').bind(live.tenant.id, a.tenant.id).run();
    a.tenant.id = live.tenant.id;
    await createUsers(live.scim, 2, 'fresh');
    const fresh = await countOf(a.tenant.id, 'user.create');
    expect(fresh).toBe(2);

    await prune();
    expect(await countOf(a.tenant.id, 'old.a')).toBe(0);
    expect(await countOf(b.tenant.id, 'old.b')).toBe(0);
    expect(await countOf(b.tenant.id, 'young.b')).toBe(5);
    expect(await countOf(a.tenant.id, 'young.a')).toBe(20);
    expect(await countOf(a.tenant.id, 'user.create')).toBe(fresh);
    // Nothing more to do: a second run deletes nothing and the writes go on.
    await prune();
    expect(await countOf(a.tenant.id, 'young.a')).toBe(20);
    await createUsers(live.scim, 1, 'after');
    expect(await countOf(a.tenant.id, 'user.create')).toBe(3);
  });

  it('passes each tenant once in a run of several chunks, not once per chunk: the rows it reads are about those it deletes', async () => {
    // 400 tenants of 8 old rows and a young one each, as live tenants have: four chunks, each of a hundred or so tenants.
    const prefix = `walk-${crypto.randomUUID().slice(0, 8)}`;
    await env.DB.prepare(
      `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 400), k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 8)
       INSERT INTO audit_log (id, tenant_id, at, actor, action, outcome) SELECT k.i, ?1 || printf('-%03d', t.n), ?2, 'cli', 'old.walk', 'success' FROM t CROSS JOIN k`,
    )
      .bind(prefix, daysAgo(120))
      .run();
    await env.DB.prepare(
      `WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 400)
       INSERT INTO audit_log (id, tenant_id, at, actor, action, outcome) SELECT 1, ?1 || printf('-%03d', t.n), ?2, 'cli', 'young.walk', 'success' FROM t`,
    )
      .bind(prefix, daysAgo(10))
      .run();
    const { d1: counted, statements: chunks } = rowsReadPerStatement(env.DB);
    const deleted = await pruneAudit(database(counted), retentionCutoff(90));
    expect(deleted).toBeGreaterThanOrEqual(3200);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'old.walk'").first('n')).toBe(0);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'young.walk'").first('n')).toBe(400);
    expect(chunks.length).toBeGreaterThanOrEqual(4);
    // A chunk that walked again past the tenants already done would read two rows more for each (about 250 a chunk here).
    const [first, ...later] = chunks.filter((c) => c.returned === DELETE_CHUNK);
    for (const chunk of later) expect(chunk.read, JSON.stringify(chunks)).toBeLessThanOrEqual(first!.read + 20);
  });
});
