/**
 * D1 as it really fails, under the tenant object's writes: transient failures retry the same batch
 * whole (never fanned out into its writes), a create whose reply was lost after it committed is still
 * the caller's 201, and a database that stays unavailable gives SCIM's 503 with Retry-After and
 * writes nothing. Every case ends with D1 consistent: rows, emails, counters and page buckets agree.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { toOutcome } from '../src/scim/port/write-outcome.ts';
import { patchRequestSchema } from '../src/scim/patch/request.ts';
import { createUser, deleteUser, patchUser } from '../src/scim/users/user-writes.ts';
import type { WriteContext } from '../src/scim/storage/write-context.ts';
import { D1_ATTEMPTS } from '../src/common/d1-failures.ts';
import { GroupCommitD1 } from '../src/tenant-object/group-commit.ts';
import { RowCache } from '../src/tenant-object/row-cache.ts';
import { faultyD1, type Fault } from './support/faulty-d1.ts';
import { oktaNewUser, oktaSetActive } from './support/okta-bodies.ts';
import { tenantWithToken } from './support/tenants.ts';

/** A tenant and a writer whose D1 batches meet `plan`, as the tenant object would run them. */
async function writer(plan: Fault[]) {
  const t = await tenantWithToken();
  const faulty = faultyD1(plan);
  const gc = new GroupCommitD1(faulty.d1, () => undefined);
  const ctx: WriteContext = { db: database(gc), tenantId: t.tenant.id, tenantRoles: t.tenant.roles, actor: 'token:test', baseUrl: 'https://edge.test/scim/v2/t', users: new RowCache(), groups: new RowCache() };
  const create = (userName: string) => toOutcome(() => createUser(ctx, oktaNewUser(userName)));
  const deactivate = (id: string) => toOutcome(() => patchUser(ctx, id, patchRequestSchema.parse(oktaSetActive(false)), undefined));
  const remove = (id: string) => toOutcome(() => deleteUser(ctx, id, undefined));
  return { t, faulty, create, deactivate, remove };
}

/** The tenant's stored users, their email rows, and whether its page buckets (what it holds) agree with them. */
async function consistency(tenantId: string) {
  const one = <T>(sql: string) => env.DB.prepare(sql).bind(tenantId).first<T>();
  const users = (await one<{ n: number }>('SELECT COUNT(*) AS n FROM users WHERE tenant_id = ?'))!.n;
  const emails = (await one<{ n: number }>('SELECT COUNT(*) AS n FROM user_emails WHERE tenant_id = ?'))!.n;
  const buckets = (await one<{ n: number | null }>("SELECT SUM(count) AS n FROM page_buckets WHERE tenant_id = ? AND resource_type = 'User'"))!.n ?? 0;
  return { users, emails, bucketsAgree: buckets === users };
}

describe('transient D1 failures under writes', () => {
  it('overloaded on the first try: the batch is sent again and the write succeeds once', async () => {
    const { t, faulty, create } = await writer(['overloaded']);
    expect(await create('overload@acme.test')).toMatchObject({ ok: true });
    expect(faulty.calls()).toBe(2);
    expect(await consistency(t.tenant.id)).toEqual({ users: 1, emails: 1, bucketsAgree: true });
  });

  it('a combined batch that fails transiently is retried whole, not once per write', async () => {
    const { t, faulty, create } = await writer(['reset']);
    const outcomes = await Promise.all(['a', 'b', 'c', 'd'].map((n) => create(`${n}@acme.test`)));
    expect(outcomes.every((o) => o.ok)).toBe(true);
    expect(faulty.calls()).toBe(2);
    expect(await consistency(t.tenant.id)).toEqual({ users: 4, emails: 4, bucketsAgree: true });
  });

  it('a create whose reply was lost after it committed is still the caller’s 201, not a 409', async () => {
    const { t, faulty, create } = await writer(['lost-after-commit']);
    const outcome = await create('lost@acme.test');
    expect(outcome).toMatchObject({ ok: true, value: { userName: 'lost@acme.test' } });
    expect(faulty.calls()).toBe(2);
    const stored = await env.DB.prepare('SELECT id FROM users WHERE tenant_id = ?').bind(t.tenant.id).all<{ id: string }>();
    expect(stored.results.map((r) => r.id)).toEqual([outcome.ok ? outcome.value.id : '']);
    expect(await consistency(t.tenant.id)).toEqual({ users: 1, emails: 1, bucketsAgree: true });
  });

  it('a lost reply in a combined batch: every create of the group is still its caller’s', async () => {
    const { t, create } = await writer(['lost-after-commit']);
    const outcomes = await Promise.all(['p', 'q', 'r'].map((n) => create(`${n}@acme.test`)));
    expect(outcomes.map((o) => o.ok)).toEqual([true, true, true]);
    expect(await consistency(t.tenant.id)).toEqual({ users: 3, emails: 3, bucketsAgree: true });
  });

  it('an update or a delete whose reply was lost after commit is still the caller’s success, not a 409', async () => {
    const { t, create, deactivate, remove } = await writer(['ok', 'lost-after-commit', 'ok', 'ok', 'lost-after-commit']);
    const created = await create('kept@acme.test');
    if (!created.ok) throw new Error('create failed');
    expect(await deactivate(created.value.id)).toMatchObject({ ok: true, value: { active: false, version: 2 } });
    const row = await env.DB.prepare('SELECT active, version FROM users WHERE id = ?').bind(created.value.id).first();
    expect(row).toEqual({ active: 0, version: 2 });
    expect(await remove(created.value.id)).toMatchObject({ ok: true });
    expect(await consistency(t.tenant.id)).toEqual({ users: 0, emails: 0, bucketsAgree: true });
  });

  it('a database that stays unavailable: 503 with Retry-After, nothing written, no write fanned out', async () => {
    const { t, faulty, create } = await writer(Array<Fault>(D1_ATTEMPTS).fill('overloaded'));
    const outcomes = await Promise.all(['s', 'u'].map((n) => create(`${n}@acme.test`)));
    for (const outcome of outcomes) expect(outcome).toMatchObject({ ok: false, status: 503, headers: { 'retry-after': '5' } });
    expect(faulty.calls()).toBe(D1_ATTEMPTS);
    expect(await consistency(t.tenant.id)).toEqual({ users: 0, emails: 0, bucketsAgree: true });
  });
});
