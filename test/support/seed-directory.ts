/**
 * Seeds a tenant's directory straight in SQL, as an Okta push leaves it: each user with one email,
 * one group membership (groups of 100) and one change-log event. For benches that need a large
 * tenant in seconds rather than the hours `POST /Users` would take (no tenant object exists yet,
 * so nothing is written behind one's back). The tenant's page buckets are set as the
 * writes would have kept them.
 */
const SEED_STEP = 50_000;

export async function seedDirectory(d1: D1Database, tenantId: string, count: number): Promise<void> {
  const at = new Date().toISOString();
  for (let from = 1; from <= count; from += SEED_STEP) {
    const to = Math.min(count, from + SEED_STEP - 1);
    const range = `WITH RECURSIVE n(i) AS (SELECT CAST(?2 AS INTEGER) UNION ALL SELECT i + 1 FROM n WHERE i < CAST(?3 AS INTEGER))`;
    await d1.batch([
      d1.prepare(`INSERT INTO groups (id, tenant_id, display_name, data, version, created_at, updated_at) ${range} SELECT 'g-' || ?1 || '-' || i, ?1, 'Group ' || i, json_object('schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:Group'), 'displayName', 'Group ' || i), 1, ?4, ?4 FROM n WHERE i % 100 = 1`).bind(tenantId, from, to, at),
      d1.prepare(`INSERT INTO users (id, tenant_id, user_name, external_id, display_name, active, data, version, created_at, updated_at) ${range} SELECT 'u-' || ?1 || '-' || i, ?1, 'user' || i || '@example.com', '00u' || i, 'User ' || i, 1, json_object('schemas', json_array('urn:ietf:params:scim:schemas:core:2.0:User'), 'userName', 'user' || i || '@example.com', 'emails', json_array(json_object('value', 'user' || i || '@example.com', 'primary', json('true')))), 1, ?4, ?4 FROM n`).bind(tenantId, from, to, at),
      d1.prepare(`INSERT INTO user_emails (tenant_id, user_id, position, value, type, "primary") ${range} SELECT ?1, 'u-' || ?1 || '-' || i, 0, 'user' || i || '@example.com', 'work', 1 FROM n`).bind(tenantId, from, to),
      d1.prepare(`INSERT INTO group_members (tenant_id, group_id, user_id, created_at) ${range} SELECT ?1, 'g-' || ?1 || '-' || (((i - 1) / 100) * 100 + 1), 'u-' || ?1 || '-' || i, ?4 FROM n`).bind(tenantId, from, to, at),
      d1.prepare(`INSERT INTO directory_events (tenant_id, seq, id, type, actor, occurred_at, data) ${range} SELECT ?1, i, 'evt_' || ?1 || i, 'user.created', 'scim:tok', ?4, '{}' FROM n`).bind(tenantId, from, to, at),
    ]);
  }
  await d1.batch([
    ...(['users', 'groups'] as const).map((table) =>
      d1
        .prepare(`INSERT INTO page_buckets (tenant_id, resource_type, bucket, count) SELECT tenant_id, ?2, seq >> 10, count(*) FROM ${table} WHERE tenant_id = ?1 GROUP BY seq >> 10 ON CONFLICT DO UPDATE SET count = excluded.count`)
        .bind(tenantId, table === 'users' ? 'User' : 'Group'),
    ),
  ]);
}
