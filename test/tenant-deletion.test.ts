/**
 * Deleting a tenant (src/tenants/tenant-deletion.ts): gone for every caller at once, its rows
 * deleted a bounded chunk per statement (the request's budget, then the minute's scheduled run),
 * nothing of another tenant touched, its audit rows kept.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DELETE_CHUNK } from '../src/db/chunked-delete.ts';
import { deleteRetiredRows, deleteTenant, finishDeletions } from '../src/tenants/tenant-deletion.ts';
import { createTenant, findTenantBySlug, listTenants } from '../src/tenants/tenant-store.ts';
import { createGroup, createUsers } from './support/groups.ts';
import { EVERY_MINUTE, runScheduled } from './support/scheduled.ts';
import { db, oktaNewUser, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

/** Tables holding a tenant's rows (audit_log aside), with how each names the tenant. */
const TENANT_TABLES: [table: string, where: string][] = [
  ['tenants', 'id = ?1'],
  ['users', 'tenant_id = ?1'],
  ['user_emails', 'tenant_id = ?1'],
  ['groups', 'tenant_id = ?1'],
  ['group_members', 'tenant_id = ?1'],
  ['page_buckets', 'tenant_id = ?1'],
  ['directory_events', 'tenant_id = ?1'],
  ['scim_tokens', 'tenant_id = ?1'],
];

async function rowCounts(tenantId: string): Promise<Record<string, number>> {
  const results = await env.DB.batch(TENANT_TABLES.map(([table, where]) => env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`).bind(tenantId)));
  return Object.fromEntries(TENANT_TABLES.map(([table], i) => [table, (results[i]!.results[0] as { n: number }).n]));
}

/**
 * `extra` more users of the tenant, each with an email and a membership of `groupId`, written
 * straight to D1: enough rows for several chunks without thousands of SCIM requests.
 */
async function seedMany(tenantId: string, groupId: string, extra: number): Promise<void> {
  const at = new Date().toISOString();
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO users (id, tenant_id, user_name, active, data, version, created_at, updated_at)
       WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
       SELECT 'seed-' || ?1 || '-' || i, ?1, 'seed' || i || '@example.com', 1, json_object('userName', 'seed' || i || '@example.com'), 1, ?3, ?3 FROM n`,
    ).bind(tenantId, extra, at),
    env.DB.prepare(`INSERT INTO user_emails (tenant_id, user_id, position, value, type, "primary") SELECT tenant_id, id, 0, user_name, 'work', 1 FROM users WHERE tenant_id = ?1 AND id LIKE 'seed-%'`).bind(tenantId),
    env.DB.prepare(`INSERT INTO group_members (tenant_id, group_id, user_id, created_at) SELECT tenant_id, ?2, id, ?3 FROM users WHERE tenant_id = ?1 AND id LIKE 'seed-%'`).bind(tenantId, groupId, at),
  ]);
}

describe('deleting a tenant', () => {
  it('retires it at once, then deletes its rows a chunk per statement, leaving other tenants and the audit trail', async () => {
    const doomed = await tenantWithToken();
    const bystander = await tenantWithToken();
    const people = await createUsers(doomed.scim, 5, 'doomed');
    const group = await createGroup(doomed.scim, 'Everyone', people.map((p) => p.id));
    await seedMany(doomed.tenant.id, group.id, 2 * DELETE_CHUNK + 500);
    await createUsers(bystander.scim, 3, 'bystander');
    const bystanderBefore = await rowCounts(bystander.tenant.id);

    // One statement of budget: the tenant is retired, its users only begun.
    const first = await deleteTenant(db(), announce, await tenantRow(doomed.slug), 'cli', 1);
    expect(first).toEqual({ done: false, rowsDeleted: DELETE_CHUNK, statements: 1 });

    // Gone for every caller: its slug, its token, the operator's list.
    expect(await findTenantBySlug(db(), doomed.slug)).toBeUndefined();
    expect((await listTenants(db())).map((t) => t.slug)).not.toContain(doomed.slug);
    expect((await doomed.scim.get('/Users')).status).toBe(401);
    expect((await doomed.scim.post('/Users', oktaNewUser('late@example.com'))).status).toBe(401);
    // Its slug is free again: a new tenant of that name is another tenant.
    const successor = await createTenant(db(), doomed.slug);
    expect(successor.id).not.toBe(doomed.tenant.id);

    const midway = await rowCounts(doomed.tenant.id);
    expect(midway.users).toBe(5 + 2 * DELETE_CHUNK + 500 - DELETE_CHUNK);
    // A user's emails and memberships went with it (foreign-key cascade).
    expect(midway.user_emails).toBe(midway.users);
    expect(midway.group_members).toBe(midway.users);

    // Two more statements: a full chunk and the last 505 users; the group waits for the next run.
    expect(await finishDeletions(db(), 2)).toBe(midway.users);
    expect(await rowCounts(doomed.tenant.id)).toMatchObject({ tenants: 1, users: 0, user_emails: 0, group_members: 0, groups: 1 });

    // The minute's scheduled run finishes it: every row, the tenant row last.
    await runScheduled(EVERY_MINUTE);
    expect(Object.values(await rowCounts(doomed.tenant.id)).every((n) => n === 0)).toBe(true);
    expect(await rowCounts(bystander.tenant.id)).toEqual(bystanderBefore);
    expect((await bystander.scim.get('/Users')).status).toBe(200);
    expect((await findTenantBySlug(db(), doomed.slug))?.id).toBe(successor.id);
    const audit = await env.DB.prepare("SELECT action FROM audit_log WHERE tenant_id = ? AND action = 'tenant.delete'").bind(doomed.tenant.id).all();
    expect(audit.results).toHaveLength(1);
  });

  it('deletes a small tenant whole within its own budget, and a second delete finds nothing', async () => {
    const { tenant, slug, scim } = await tenantWithToken();
    await createGroup(scim, 'Admins', (await createUsers(scim, 3, 'small')).map((u) => u.id));
    const asResolved = await tenantRow(slug);
    const progress = await deleteTenant(db(), announce, asResolved);
    expect(progress.done).toBe(true);
    expect(Object.values(await rowCounts(tenant.id)).every((n) => n === 0)).toBe(true);
    // Nothing is left to find: the tenant row is gone, so its chunks delete nothing.
    expect(await deleteRetiredRows(db(), tenant.id, 10)).toEqual({ done: true, rowsDeleted: 0, statements: 4 });
    // A second delete that resolved the tenant before the first committed changes nothing and records nothing.
    expect(await deleteTenant(db(), announce, asResolved)).toEqual({ done: true, rowsDeleted: 0, statements: 4 });
    const audit = await env.DB.prepare("SELECT count(*) AS n FROM audit_log WHERE tenant_id = ? AND action = 'tenant.delete'").bind(tenant.id).first('n');
    expect(audit).toBe(1);
  });
});
