/**
 * `node bench/tenant-deletion.ts [--users 1000000]`: how long deleting a large tenant takes and
 * how long its longest statement runs (D1 stops a query at 30 s), on the local runtime's D1.
 * The tenant is seeded straight in SQL (test/support/seed-directory.ts) beside a small tenant that must
 * survive whole; then `deleteTenant` runs to the end as the CLI does.
 */
import { parseArgs } from 'node:util';
import { database } from '../src/db/client.ts';
import { deleteTenant } from '../src/tenants/tenant-deletion.ts';
import { createTenant } from '../src/tenants/tenant-store.ts';
import { applyMigrations, startLocalD1 } from '../test/support/local-worker.ts';
import { observedD1 } from '../test/support/observed-d1.ts';
import { seedDirectory } from '../test/support/seed-directory.ts';

const { values } = parseArgs({ options: { users: { type: 'string', default: '1000000' } } });
const users = Number(values.users);

const { d1, stop } = await startLocalD1();
try {
  await applyMigrations(d1);
  const db = database(d1);
  const big = await createTenant(db, 'big');
  const small = await createTenant(db, 'small');
  const seedStarted = performance.now();
  await seedDirectory(d1, big.id, users);
  await seedDirectory(d1, small.id, 1_000);
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
  const progress = await deleteTenant(database(timed), () => Promise.resolve() /* no server runs on this state: no object to tell */, big, 'cli', Number.POSITIVE_INFINITY);
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
