/**
 * Retention of the change log: the hourly scheduled job deletes events past retention (30 days
 * here), keeping each tenant's newest, so numbering goes on without a gap and a cursor that fell
 * behind what is kept gets 410 with the oldest kept seq.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../src/api/api-keys.ts';
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
});
