/**
 * A combined batch merges its writes' statements — the creates' user rows and their emails, one
 * page-bucket upsert (which holds the tenants' counts and checks their quotas), one multi-row
 * audit insert, one multi-row event insert per tenant — and a failed one is retried write by write
 * with each write's own statements: either way rows, page buckets and audit rows stay exact, and
 * each create its own `seq`.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { database } from '../src/db/client.ts';
import { ScimError } from '../src/http/errors.ts';
import { createUser } from '../src/scim/users/user-writes.ts';
import type { UserRow } from '../src/scim/users/user-rows.ts';
import type { WriteContext } from '../src/scim/storage/write-context.ts';
import { GroupCommitD1 } from '../src/tenant-object/group-commit.ts';
import { countingD1 } from './support/counting-d1.ts';
import { oktaNewUser, tenantWithToken } from './support/tenants.ts';

const unique = (name: string) => `${name}-${crypto.randomUUID().slice(0, 8)}@merged.example`;

/** Two tenants' write contexts over one group commit (a tenant object has one tenant; this shows merges never cross tenants). */
async function twoTenants() {
  const { d1, calls } = countingD1();
  const gc = new GroupCommitD1(d1, () => undefined);
  const db = database(gc);
  const [a, b] = [await tenantWithToken(), await tenantWithToken()];
  const ctx = (tenantId: string): WriteContext => ({ db, tenantId, tenantRoles: [], baseUrl: 'https://edge.test/scim/v2/t', actor: `token:merged-${tenantId.slice(0, 8)}` });
  return { gc, calls, a: ctx(a.tenant.id), b: ctx(b.tenant.id) };
}

/** The tenant's page_buckets rows for users, and what they must be: its users counted per bucket. */
async function buckets(tenantId: string) {
  const stored = await env.DB.prepare(`SELECT bucket, count FROM page_buckets WHERE tenant_id = ? AND resource_type = 'User' ORDER BY bucket`).bind(tenantId).all();
  const recount = await env.DB.prepare('SELECT seq >> 10 AS bucket, COUNT(*) AS count FROM users WHERE tenant_id = ? GROUP BY 1 ORDER BY 1').bind(tenantId).all();
  return { stored: stored.results, recount: recount.results };
}

async function audit(tenantId: string) {
  const { results } = await env.DB.prepare(`SELECT actor, action, resource_type AS resourceType, resource_id AS resourceId, outcome, status, detail, at FROM audit_log WHERE tenant_id = ? AND resource_type = 'User' ORDER BY at, id`).bind(tenantId).all();
  return results;
}

/** Checks a tenant's buckets (what it holds) and audit rows against the users it holds. */
async function expectExact(ctx: WriteContext, created: UserRow[]) {
  const { results: held } = await env.DB.prepare('SELECT id, seq, user_name AS userName, active, data, version FROM users WHERE tenant_id = ? ORDER BY seq').bind(ctx.tenantId).all();
  // Each create answered with the seq D1 gave its own row, and stored what it answered, whether its insert ran alone or merged.
  expect(held).toEqual(created.map((u) => ({ id: u.id, seq: u.seq, userName: u.userName, active: u.active ? 1 : 0, data: JSON.stringify(u.data), version: u.version })));
  const { stored, recount } = await buckets(ctx.tenantId);
  expect(stored).toEqual(recount);
  // In the order the writes were handed in, each column in its place (`at`: stamped as the write built its row).
  const rows = await audit(ctx.tenantId);
  expect(rows.map(({ at, ...row }) => row)).toEqual(created.map((u) => ({ actor: ctx.actor, action: 'user.create', resourceType: 'User', resourceId: u.id, outcome: 'success', status: 201, detail: null })));
  rows.forEach((row, i) => expect(Date.parse(row.at as string)).toBeGreaterThanOrEqual(Date.parse(created[i]!.createdAt)));
  // One user.created each, in the same order, numbered 1, 2, 3… with no gap.
  const { results: events } = await env.DB.prepare(`SELECT seq, type, json_extract(data, '$.object.id') AS id FROM directory_events WHERE tenant_id = ? ORDER BY seq`).bind(ctx.tenantId).all();
  expect(events).toEqual(created.map((u, i) => ({ seq: i + 1, type: 'user.created', id: u.id })));
}

describe('side statements merged across a combined batch', () => {
  it('merges the creates of two interleaved tenants into one bucket upsert and one audit insert', async () => {
    const { calls, a, b } = await twoTenants();
    // One user each first, alone: the merged bucket upsert then adds to existing rows.
    const earlier = [await createUser(a, oktaNewUser(unique('a0'), { emails: [] })), await createUser(b, oktaNewUser(unique('b0'), { emails: [] }))];
    calls.length = 0;
    const plan = [a, b, a, a, b, a];
    const created = await Promise.all(plan.map((ctx, i) => createUser(ctx, oktaNewUser(unique(`u${i}`), { emails: i === 2 ? [{ value: `x${i}@merged.example` }] : [] }))));
    // The six user rows in one insert, the email rows in one, then page buckets, audit rows, the events of a and of b.
    expect(calls).toEqual([1 + 1 + 2 + 2]);
    const { results: emails } = await env.DB.prepare('SELECT tenant_id, user_id, value, type, "primary" FROM user_emails WHERE user_id IN (SELECT value FROM json_each(?))').bind(JSON.stringify(created.map((u) => u.id))).all();
    expect(emails).toEqual([{ tenant_id: a.tenantId, user_id: created[2]!.id, value: 'x2@merged.example', type: null, primary: 0 }]);
    // Before merging: 4 statements a create (5 with emails).
    expect(calls[0]! / plan.length).toBeLessThan(1.5);
    await expectExact(a, [earlier[0]!, ...created.filter((_, i) => plan[i] === a)]);
    await expectExact(b, [earlier[1]!, ...created.filter((_, i) => plan[i] === b)]);
  });

  it('retries a failed combined batch write by write with their own statements: the duplicate alone fails and counts nowhere', async () => {
    const { calls, a, b } = await twoTenants();
    const taken = unique('taken');
    const first = await createUser(a, oktaNewUser(taken, { emails: [] }));
    calls.length = 0;
    const plan = [
      { ctx: b, userName: unique('b1') },
      { ctx: a, userName: unique('a1') },
      // Same userName as a's first user, folded differently: a's unique index refuses it.
      { ctx: a, userName: taken.toUpperCase() },
      { ctx: b, userName: taken },
      { ctx: a, userName: unique('a2') },
    ];
    const outcomes = await Promise.allSettled(plan.map((p) => createUser(p.ctx, oktaNewUser(p.userName, { emails: [] }))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    const refused = (outcomes[2] as PromiseRejectedResult).reason;
    expect(refused).toBeInstanceOf(ScimError);
    expect((refused as ScimError).status).toBe(409);
    // The combined batch (one insert of the 5 users + buckets + audit + 2 event inserts), then each create alone with its 4 statements.
    expect(calls).toEqual([1 + 2 + 2, 4, 4, 4, 4, 4]);
    const ok = (i: number) => (outcomes[i] as PromiseFulfilledResult<UserRow>).value;
    await expectExact(a, [first, ok(1), ok(4)]);
    await expectExact(b, [ok(0), ok(3)]);
  });

  it("never counts a write its token guard refuses, though its side statements were merged with the others'", async () => {
    const { gc, a, b } = await twoTenants();
    const write = (ctx: WriteContext, name: string, guard?: string) => {
      // A refusing guard raises as src/scim/auth/token-guard.ts's does for a revoked token.
      if (guard) gc.guardNextBatch(env.DB.prepare(guard === 'dead' ? `SELECT json_extract('{}', '$scim token refused')` : 'SELECT 1'), guard);
      return createUser(ctx, oktaNewUser(unique(name)));
    };
    const outcomes = await Promise.allSettled([write(a, 'ok1', 'live'), write(b, 'revoked', 'dead'), write(a, 'ok2', 'live'), write(b, 'ok3')]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as ScimError).status).toBe(401);
    const ok = (i: number) => (outcomes[i] as PromiseFulfilledResult<UserRow>).value;
    await expectExact(a, [ok(0), ok(2)]);
    await expectExact(b, [ok(3)]);
  });

  it("checks each tenant's quota against that tenant's creates in the batch: one near its quota fails alone what fits, never the other's", async () => {
    const { calls, a, b } = await twoTenants();
    const quota = (ctx: WriteContext, maxUsers: number) => env.DB.prepare('UPDATE tenants SET max_users = ? WHERE id = ?').bind(maxUsers, ctx.tenantId).run();
    const first = await createUser(a, oktaNewUser(unique('a0'), { emails: [] }));
    await quota(a, 3);
    await quota(b, 3);
    calls.length = 0;
    // a reaches its quota exactly and b holds 3: six creates, over either quota summed across both tenants.
    const fitting = await Promise.all([a, b, b, a, b].map((ctx, i) => createUser(ctx, oktaNewUser(unique(`fit${i}`), { emails: [] }))));
    expect(calls).toEqual([1 + 2 + 2]);
    calls.length = 0;
    await quota(b, 5);
    // One more for a is past its quota: the combined batch fails, and alone only that create is refused.
    const outcomes = await Promise.allSettled([b, a, b].map((ctx, i) => createUser(ctx, oktaNewUser(unique(`past${i}`), { emails: [] }))));
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(((outcomes[1] as PromiseRejectedResult).reason as ScimError).status).toBe(507);
    expect(calls).toEqual([1 + 2 + 2, 4, 4, 4]);
    const ok = (i: number) => (outcomes[i] as PromiseFulfilledResult<UserRow>).value;
    await expectExact(a, [first, fitting[0]!, fitting[3]!]);
    await expectExact(b, [fitting[1]!, fitting[2]!, fitting[4]!, ok(0), ok(2)]);
  });
});
