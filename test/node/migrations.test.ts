/** Migrations that rebuild a table keep every row, on the local runtime's D1 (the engine wrangler applies them with). */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { applyMigrations, startLocalD1 } from '../support/local-worker.ts';

let local: Awaited<ReturnType<typeof startLocalD1>>;
beforeAll(async () => {
  local = await startLocalD1();
});
afterAll(async () => {
  await local?.stop();
});

it('0016 rebuilds audit_log without AUTOINCREMENT, keeping its rows, ids and indexes, and drops the event id index', async () => {
  const { d1 } = local;
  await applyMigrations(d1, '0016');
  const insert = d1.prepare("INSERT INTO audit_log (tenant_id, at, actor, action, outcome) VALUES ('t1', ?, 'cli', ?, 'success')");
  await d1.batch([insert.bind('2026-01-01T00:00:00.000Z', 'first'), insert.bind('2026-01-02T00:00:00.000Z', 'second'), insert.bind('2026-01-03T00:00:00.000Z', 'third')]);
  await d1.prepare("DELETE FROM audit_log WHERE action = 'first'").run();
  const before = (await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results;

  await applyMigrations(d1);

  expect((await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results).toEqual(before);
  const indexes = (await d1.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' ORDER BY name").all<{ name: string }>()).results.map((r) => r.name);
  expect(indexes).toEqual(['audit_log_tenant_at', 'audit_log_tenant_failures_at', 'audit_log_tenant_resource_at']);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'directory_events_id_unique'").first('n')).toBe(0);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_sequence WHERE name = 'audit_log'").first('n')).toBe(0);
  // The next id follows the newest row kept, as before.
  const next = await d1.prepare("INSERT INTO audit_log (tenant_id, at, actor, action, outcome) VALUES ('t1', '2026-01-04T00:00:00.000Z', 'cli', 'fourth', 'success') RETURNING id").first('id');
  expect(next).toBe(4);
});
