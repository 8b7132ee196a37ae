/**
 * `node bench/tenant-deletion.ts [--users 1000000]`: how long deleting a large tenant takes and
 * how long its longest statement runs (D1 stops a query at 30 s), on the local runtime's D1.
 * The tenant is seeded straight in SQL — each user with one email, one group membership (groups
 * of 100) and one change-log event, as an Okta push leaves it — beside a small tenant that must
 * survive whole; then `deleteTenant` runs to the end as the CLI does.
 */
import { parseArgs } from 'node:util';
import { database } from '../src/db/client.ts';
import { deleteTenant } from '../src/tenants/tenant-deletion.ts';
import { createTenant } from '../src/tenants/tenant-store.ts';
import { applyMigrations, startLocalD1 } from '../test/support/local-worker.ts';
import { observedD1 } from '../test/support/observed-d1.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000000' } } });
const users = Number(values.users);
const SEED_STEP = 50_000;

const { d1, stop } = await startLocalD1();
try {
  await applyMigrations(d1);
  const db = database(d1);
  const big = await createTenant(db, 'big');
  const small = await createTenant(db, 'small');
  const at = new Date().toISOString();
  const seedStarted = performance.now();
  for (const tenant of [big, small]) {
    const count = tenant === big ? users : 1_000;
    for (let from = 1; from <= count; from += SEED_STEP) {
      const to = Math.min(count, from + SEED_STEP - 1);
      const range = `WITH RECURSIVE n(i) AS (SELECT CAST(?2 AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(?3 AS INTEGER))`;
      await d1.batch([
        d1.prepare(`INSERT INTO groups (id, tenant_id, display_name, data, version, created_at, updated_at) ${range} SELECT 'g-' || ?1 || '-' || i, ?1, 'Group ' || i, json_object('displayName', 'Group ' || i), 1, ?4, ?4 FROM n WHERE i % 100 = 1`).bind(tenant.id, from, to, at),
        d1.prepare(`INSERT INTO users (id, tenant_id, user_name, external_id, display_name, active, data, version, created_at, updated_at) ${range} SELECT 'u-' || ?1 || '-' || i, ?1, 'user' || i || '@example.com', '00u' || i, 'User ' || i, 1, json_object('userName', 'user' || i || '@example.com', 'emails', json_array(json_object('value', 'user' || i || '@example.com', 'primary', json('true')))), 1, ?4, ?4 FROM n`).bind(tenant.id, from, to, at),
        d1.prepare(`INSERT INTO user_emails (tenant_id, user_id, value, type, "primary") ${range} SELECT ?1, 'u-' || ?1 || '-' || i, 'user' || i || '@example.com', 'work', 1 FROM n`).bind(tenant.id, from, to),
        d1.prepare(`INSERT INTO group_members (tenant_id, group_id, user_id, created_at) ${range} SELECT ?1, 'g-' || ?1 || '-' || (((i - 1) / 100) * 100 + 1), 'u-' || ?1 || '-' || i, ?4 FROM n`).bind(tenant.id, from, to, at),
        d1.prepare(`INSERT INTO directory_events (tenant_id, seq, id, type, actor, occurred_at, data) ${range} SELECT ?1, i, 'evt_' || ?1 || i, 'user.created', 'scim:tok', ?4, '{}' FROM n`).bind(tenant.id, from, to, at),
      ]);
    }
  }
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const durations: number[] = [];
  const started = performance.now();
  // The wall time of every call the deletion makes, in ms.
  const timed = observedD1(d1, async (_kind, call) => {
    const callStarted = performance.now();
    try {
      return await call();
    } finally {
      durations.push(performance.now() - callStarted);
    }
  });
  const progress = await deleteTenant(database(timed), big, 'cli', Number.POSITIVE_INFINITY);
  const seconds = (performance.now() - started) / 1000;
  const left = await d1.prepare("SELECT (SELECT count(*) FROM users WHERE tenant_id = ?1) + (SELECT count(*) FROM groups WHERE tenant_id = ?1) + (SELECT count(*) FROM directory_events WHERE tenant_id = ?1) + (SELECT count(*) FROM tenants WHERE id = ?1) AS n").bind(big.id).first<number>('n');
  const kept = await d1.prepare('SELECT (SELECT count(*) FROM users WHERE tenant_id = ?1) + (SELECT count(*) FROM group_members WHERE tenant_id = ?1) AS n').bind(small.id).first<number>('n');
  const sorted = [...durations].sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      users,
      seedSeconds: Math.round(seedSeconds),
      deleteSeconds: Math.round(seconds * 10) / 10,
      statements: progress.statements,
      rowsDeleted: progress.rowsDeleted,
      statementMsP50: Math.round(sorted[Math.floor(sorted.length / 2)]!),
      statementMsMax: Math.round(sorted.at(-1)!),
      rowsLeft: left,
      smallTenantRowsKept: kept,
    }),
  );
} finally {
  await stop();
}
