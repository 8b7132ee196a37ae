/** Migrations that rebuild a table keep every row, on the local runtime's D1 (the engine wrangler applies them with). */
import { expect, it } from 'vitest';
import { applyMigrations, startLocalD1 } from '../support/local-worker.ts';

/** Runs `check` on a D1 of its own, with no migration applied yet, and stops it after. */
async function onFreshD1(check: (d1: D1Database) => Promise<void>): Promise<void> {
  const local = await startLocalD1();
  try {
    await check(local.d1);
  } finally {
    await local.stop();
  }
}

it('0016 rebuilds audit_log without AUTOINCREMENT, keeping its rows, ids and indexes, and drops the event id index', () => onFreshD1(async (d1) => {
  await applyMigrations(d1, '0016');
  const insert = d1.prepare("INSERT INTO audit_log (tenant_id, at, actor, action, outcome) VALUES ('t1', ?, 'cli', ?, 'success')");
  await d1.batch([insert.bind('2026-01-01T00:00:00.000Z', 'first'), insert.bind('2026-01-02T00:00:00.000Z', 'second'), insert.bind('2026-01-03T00:00:00.000Z', 'third')]);
  await d1.prepare("DELETE FROM audit_log WHERE action = 'first'").run();
  const before = (await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results;

  // As 0016 left it: 0022 and 0023 key the log by time (tested below).
  await applyMigrations(d1, '0022');

  expect((await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results).toEqual(before);
  const indexes = (await d1.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log' ORDER BY name").all<{ name: string }>()).results.map((r) => r.name);
  expect(indexes).toEqual(['audit_log_tenant_at', 'audit_log_tenant_failures_at', 'audit_log_tenant_resource_at']);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'directory_events_id_unique'").first('n')).toBe(0);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_sequence WHERE name = 'audit_log'").first('n')).toBe(0);
  // The next id follows the newest row kept, as before.
  const next = await d1.prepare("INSERT INTO audit_log (tenant_id, at, actor, action, outcome) VALUES ('t1', '2026-01-04T00:00:00.000Z', 'cli', 'fourth', 'success') RETURNING id").first('id');
  expect(next).toBe(4);
}));

it('0019–0021 key user_emails, group_members and directory_events WITHOUT ROWID, keeping every row, numbering each user’s emails in their order, and keeping the indexes and cascades', () => onFreshD1(async (d1) => {
  await applyMigrations(d1, '0019');
  const at = '2026-01-01T00:00:00.000Z';
  const user = d1.prepare("INSERT INTO users (id, tenant_id, user_name, data, created_at, updated_at) VALUES (?, 't1', ?, '{}', ?3, ?3)");
  const email = d1.prepare("INSERT INTO user_emails (tenant_id, user_id, value, type, \"primary\") VALUES ('t1', ?, ?, ?, ?)");
  await d1.batch([
    d1.prepare("INSERT INTO tenants (id, slug, name, roles, default_role, created_at, updated_at) VALUES ('t1', 'acme', 'Acme', '[\"member\"]', 'member', ?1, ?1)").bind(at),
    user.bind('u1', 'ann', at),
    user.bind('u2', 'bob', at),
    d1.prepare("INSERT INTO groups (id, tenant_id, display_name, data, created_at, updated_at) VALUES ('g1', 't1', 'Staff', '{}', ?1, ?1)").bind(at),
    // Ann lists one address twice, with two types; the rows of two users interleave.
    email.bind('u1', 'ann@example.com', 'work', 1),
    email.bind('u2', 'bob@example.com', 'work', 1),
    email.bind('u1', 'ann@example.com', 'home', 0),
    email.bind('u1', 'ann@home.example', null, 0),
    d1.prepare("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) VALUES ('t1', 'g1', 'u1', ?1), ('t1', 'g1', 'u2', ?1)").bind(at),
    d1.prepare("INSERT INTO directory_events (tenant_id, seq, id, type, actor, occurred_at, data) VALUES ('t1', 1, 'evt_a', 'user.created', 'cli', ?1, '{}'), ('t1', 2, 'evt_b', 'group.user_added', 'cli', ?1, '{}')").bind(at),
  ]);
  const members = (await d1.prepare('SELECT * FROM group_members ORDER BY group_id, user_id').all()).results;
  const events = (await d1.prepare('SELECT * FROM directory_events ORDER BY tenant_id, seq').all()).results;

  await applyMigrations(d1);

  expect((await d1.prepare('SELECT user_id, position, value, type, "primary" FROM user_emails ORDER BY user_id, position').all()).results).toEqual([
    { user_id: 'u1', position: 0, value: 'ann@example.com', type: 'work', primary: 1 },
    { user_id: 'u1', position: 1, value: 'ann@example.com', type: 'home', primary: 0 },
    { user_id: 'u1', position: 2, value: 'ann@home.example', type: null, primary: 0 },
    { user_id: 'u2', position: 0, value: 'bob@example.com', type: 'work', primary: 1 },
  ]);
  expect((await d1.prepare('SELECT * FROM group_members ORDER BY group_id, user_id').all()).results).toEqual(members);
  expect((await d1.prepare('SELECT * FROM directory_events ORDER BY tenant_id, seq').all()).results).toEqual(events);

  const schema = (await d1.prepare("SELECT type, name, tbl_name, sql FROM sqlite_master WHERE tbl_name IN ('user_emails', 'group_members', 'directory_events') ORDER BY tbl_name, type DESC, name").all<{ type: string; name: string; tbl_name: string; sql: string | null }>()).results;
  expect(schema.filter((s) => s.type === 'table').map((s) => [s.name, /\) WITHOUT ROWID$/.test(s.sql ?? '')])).toEqual([
    ['directory_events', true],
    ['group_members', true],
    ['user_emails', true],
  ]);
  // A WITHOUT ROWID table's primary key is the table itself: no automatic index beside it.
  expect(schema.filter((s) => s.type === 'index').map((s) => s.name)).toEqual(['group_members_user', 'user_emails_tenant_value']);

  // The references came along: deleting a user cascades, and a dangling membership is refused.
  await d1.prepare("DELETE FROM users WHERE id = 'u1'").run();
  expect(await d1.prepare("SELECT count(*) AS n FROM user_emails WHERE user_id = 'u1'").first('n')).toBe(0);
  expect(await d1.prepare("SELECT count(*) AS n FROM group_members WHERE user_id = 'u1'").first('n')).toBe(0);
  await expect(d1.prepare("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) VALUES ('t1', 'g1', 'nobody', 'x')").run()).rejects.toThrow(/FOREIGN KEY/);
  await d1.prepare("DELETE FROM tenants WHERE id = 't1'").run();
  expect(await d1.prepare('SELECT count(*) AS n FROM directory_events').first('n')).toBe(0);
}));

it('0022–0023 store audit_log WITHOUT ROWID in its key (tenant_id, at, id), keeping every row and id, and its two indexes', () => onFreshD1(async (d1) => {
  await applyMigrations(d1, '0022');
  const insert = d1.prepare("INSERT INTO audit_log (tenant_id, at, actor, action, outcome, resource_id) VALUES (?, ?, 'cli', ?, ?, 'u1')");
  const [early, late] = ['2026-01-01T00:00:00.000Z', '2026-01-02T00:00:00.000Z'];
  // Two rows of one tenant and instant, the tenants' rows interleaved, a later row written first.
  await d1.batch([insert.bind('t2', late, 'b-late', 'success'), insert.bind('t1', early, 'a-first', 'success'), insert.bind('t2', early, 'b-early', 'failure'), insert.bind('t1', early, 'a-second', 'success')]);
  const before = (await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results;

  await applyMigrations(d1);

  expect((await d1.prepare('SELECT * FROM audit_log ORDER BY id').all()).results).toEqual(before);
  // The key's order is each tenant's time order, rows of one instant in the order they were written.
  expect((await d1.prepare('SELECT action FROM audit_log ORDER BY tenant_id, at, id').all<{ action: string }>()).results.map((r) => r.action)).toEqual(['a-first', 'a-second', 'b-early', 'b-late']);
  const schema = (await d1.prepare("SELECT type, name, sql FROM sqlite_master WHERE tbl_name = 'audit_log' ORDER BY type DESC, name").all<{ type: string; name: string; sql: string | null }>()).results;
  expect(schema.map((s) => [s.type, s.name])).toEqual([
    ['table', 'audit_log'],
    ['index', 'audit_log_tenant_failures_at'],
    ['index', 'audit_log_tenant_user_at'],
  ]);
  expect(schema[0]!.sql).toMatch(/PRIMARY KEY\(`tenant_id`, `at`, `id`\)\s*\) WITHOUT ROWID$/);
  // The key is unique: a second row of one tenant, instant and id is refused.
  await expect(d1.prepare("INSERT INTO audit_log (id, tenant_id, at, actor, action, outcome) VALUES (?, 't1', ?, 'cli', 'again', 'success')").bind(before.find((r) => r.action === 'a-first')!.id, early).run()).rejects.toThrow(/UNIQUE|PRIMARY KEY/);
}));

it('0025 takes AUTOINCREMENT off users and groups, keeping every row of them and of the three tables that reference them, their indexes and cascades', () => onFreshD1(async (d1) => {
  await applyMigrations(d1, '0025');
  const at = '2026-01-01T00:00:00.000Z';
  const user = d1.prepare("INSERT INTO users (id, tenant_id, user_name, display_name, data, created_at, updated_at) VALUES (?, 't1', ?, ?, '{}', ?4, ?4)");
  const group = d1.prepare("INSERT INTO groups (id, tenant_id, display_name, data, created_at, updated_at) VALUES (?, 't1', ?, '{}', ?3, ?3)");
  await d1.batch([
    d1.prepare("INSERT INTO tenants (id, slug, name, roles, default_role, created_at, updated_at) VALUES ('t1', 'acme', 'Acme', '[\"member\"]', 'member', ?1, ?1)").bind(at),
    user.bind('u1', 'ann', 'Ann', at),
    user.bind('u2', 'bob', null, at),
    user.bind('u3', 'cy', 'Cy', at),
    group.bind('g1', 'Staff', at),
    group.bind('g2', 'Admins', at),
    d1.prepare("INSERT INTO user_emails (tenant_id, user_id, position, value, type, \"primary\") VALUES ('t1', 'u1', 0, 'ann@example.com', 'work', 1), ('t1', 'u1', 1, 'ann@home.example', NULL, 0), ('t1', 'u2', 0, 'bob@example.com', 'work', 1)"),
    d1.prepare("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) VALUES ('t1', 'g1', 'u1', ?1), ('t1', 'g1', 'u2', ?1), ('t1', 'g2', 'u2', ?1)").bind(at),
    d1.prepare("INSERT INTO signin_subjects (tenant_id, issuer, subject, user_id, created_at) VALUES ('t1', 'https://idp.example', 'sub-ann', 'u1', ?1)").bind(at),
  ]);
  // A gap in seq, as deletions leave: the rows keep their seq.
  await d1.prepare("DELETE FROM users WHERE id = 'u2'").run();
  const tables = ['users', 'groups', 'user_emails', 'group_members', 'signin_subjects'] as const;
  const everything = async () => Object.fromEntries(await Promise.all(tables.map(async (t) => [t, (await d1.prepare(`SELECT * FROM ${t} ORDER BY 1, 2, 3`).all()).results])));
  const before = await everything();
  const indexesBefore = (await d1.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${tables.map((t) => `'${t}'`).join(', ')}) AND sql IS NOT NULL ORDER BY name`).all<{ name: string }>()).results;
  expect(before.user_emails).toHaveLength(2);

  await applyMigrations(d1);

  expect(await everything()).toEqual(before);
  expect((await d1.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name IN (${tables.map((t) => `'${t}'`).join(', ')}) AND sql IS NOT NULL ORDER BY name`).all<{ name: string }>()).results).toEqual(indexesBefore);
  for (const table of ['users', 'groups']) {
    expect(await d1.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first('sql')).not.toMatch(/AUTOINCREMENT/);
  }
  for (const table of ['user_emails', 'group_members']) expect(await d1.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").bind(table).first('sql')).toMatch(/\) WITHOUT ROWID$/);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name LIKE '%_held' OR name LIKE '%_rebuilt'").first('n')).toBe(0);
  // A create takes one past the highest seq, and no sqlite_sequence row is written for it.
  const highest = await d1.prepare('SELECT max(seq) AS s FROM users').first<number>('s');
  expect(await d1.prepare("INSERT INTO users (id, tenant_id, user_name, data, created_at, updated_at) VALUES ('u4', 't1', 'dee', '{}', ?1, ?1) RETURNING seq").bind(at).first('seq')).toBe(highest! + 1);
  expect(await d1.prepare("SELECT count(*) AS n FROM sqlite_sequence WHERE name IN ('users', 'groups')").first('n')).toBe(0);
  // The references came along: a deleted user and group take their rows with them, a dangling one is refused.
  await d1.prepare("DELETE FROM users WHERE id = 'u1'").run();
  for (const table of ['user_emails', 'group_members', 'signin_subjects']) expect(await d1.prepare(`SELECT count(*) AS n FROM ${table} WHERE user_id = 'u1'`).first('n'), table).toBe(0);
  await d1.prepare("INSERT INTO group_members (tenant_id, group_id, user_id, created_at) VALUES ('t1', 'g2', 'u3', ?1)").bind(at).run();
  await d1.prepare("DELETE FROM groups WHERE id = 'g2'").run();
  expect(await d1.prepare("SELECT count(*) AS n FROM group_members WHERE group_id = 'g2'").first('n')).toBe(0);
  await expect(d1.prepare("INSERT INTO user_emails (tenant_id, user_id, position, value) VALUES ('t1', 'nobody', 0, 'x@y')").run()).rejects.toThrow(/FOREIGN KEY/);
}));
