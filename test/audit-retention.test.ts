/**
 * Retention of the audit log: the hourly scheduled job deletes rows older than AUDIT_RETENTION_DAYS
 * (90 by default), in chunks of the oldest rows, and keeps everything younger.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DELETE_CHUNK } from '../src/db/chunked-delete.ts';
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

});
