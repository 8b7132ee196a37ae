/**
 * The admin console at scale: `node bench/console-scale.ts [--users 100000] [--audit 1000000]`.
 * Loads one tenant's users through SCIM (POST /Users, as Okta does), adds audit rows up to
 * `--audit` (as old provisioning history, one INSERT … SELECT), signs an admin in at a local
 * OpenID Provider, then times the Users and Activity pages (first page, filtered, a later page)
 * one request at a time. Reports each page's p50 and p95 in ms over loopback, which is the
 * server's time plus one local round trip.
 */
import { parseArgs } from '../scripts/lib/args.ts';
import { database } from '../src/db/client.ts';
import { setConnection } from '../src/oidc/connection-store.ts';
import { mapGroupsToRoles } from '../src/tenants/role-mappings.ts';
import { createScimToken, createTenant, enableScim } from '../src/tenants/tenant-store.ts';
import { startLocalWorker } from '../test/support/local-worker.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from '../test/support/okta-fixtures.ts';
import { startOktaLikeOp } from '../test/support/okta-like-op.ts';
import { percentile, table } from './report.ts';

const args = parseArgs(process.argv.slice(2), new Set());
const USERS = Number(args.flags.users ?? 100_000);
const AUDIT_ROWS = Number(args.flags.audit ?? 1_000_000);
const CONCURRENCY = 32;
const SAMPLES = 20;
const admin = OKTA_ACCOUNTS[0]!;

const worker = await startLocalWorker();
const op = await startOktaLikeOp({ appOrigins: [worker.url] });
try {
  const db = database(worker.db);
  const tenant = await enableScim(db, await createTenant(db, 'scale', { name: 'Scale Inc' }));
  const client = OKTA_CLIENTS.basic;
  await setConnection(db, worker.secretsKey, tenant, { issuer: op.issuer, clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod, jit: false }, true);
  await mapGroupsToRoles(db, tenant, [{ groupName: 'Scale Admins', role: 'admin' }]);
  const { token } = await createScimToken(db, tenant, 'okta', undefined);
  const scim = (method: string, path: string, body?: unknown) =>
    fetch(`${worker.url}/scim/v2/scale${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' }, body: body === undefined ? null : JSON.stringify(body) });

  // Users through SCIM, every tenth deactivated; the admin first.
  const started = Date.now();
  const adminId = ((await (await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: admin.login, externalId: admin.sub })).json()) as { id: string }).id;
  await scim('POST', '/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Scale Admins', members: [{ value: adminId }] });
  let next = 1;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < USERS; i = next++) {
        const res = await scim('POST', '/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `user${i}@scale.test`, externalId: `00u${i}`, active: i % 10 !== 0, name: { givenName: `Given${i}`, familyName: `Family${i}` } });
        if (res.status !== 201) throw new Error(`create ${i}: ${res.status}`);
        await res.arrayBuffer();
      }
    }),
  );
  const loadedIn = Date.now() - started;
  // Older history up to --audit rows: a day of provisioning per 100,000 rows, one failure in a thousand.
  const { n: have } = (await worker.db.prepare('SELECT count(*) AS n FROM audit_log WHERE tenant_id = ?').bind(tenant.id).first<{ n: number }>())!;
  if (AUDIT_ROWS > have) {
    await worker.db
      .prepare(
        `WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < ?)
         INSERT INTO audit_log (id, tenant_id, at, actor, action, resource_type, resource_id, outcome, status, detail)
         SELECT n, ?, strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || (n * 864 / 1000) || ' seconds'), 'token:tok_history', 'user.patch', 'User', 'u' || n,
           CASE WHEN n % 1000 = 0 THEN 'failure' ELSE 'success' END, CASE WHEN n % 1000 = 0 THEN 409 ELSE 200 END, NULL FROM seq`,
      )
      .bind(AUDIT_ROWS - have, tenant.id)
      .run();
  }

  // The admin signs in (the provider's form, as a browser would post it).
  const cookies = new Map<string, string>();
  const visit = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  };
  let location = (await visit(`${worker.url}/auth/scale/login`)).headers.get('location')!;
  for (let hop = 0; hop < 8 && !location.startsWith(worker.url); hop++) {
    const url = new URL(location, op.issuer);
    const res = /^\/interaction\/[^/]+$/.test(url.pathname)
      ? (await visit(url.href), await visit(`${url.href}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login: admin.login, password: 'any' }) }))
      : await visit(url.href);
    location = new URL(res.headers.get('location')!, url).href;
  }
  await visit(location);

  const timed = async (path: string) => {
    const ms: number[] = [];
    let html = '';
    for (let i = 0; i < SAMPLES + 2; i++) {
      const t0 = performance.now();
      const res = await visit(`${worker.url}${path}`);
      html = await res.text();
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      if (i >= 2) ms.push(performance.now() - t0);
    }
    return { ms: Float64Array.from(ms).sort(), html };
  };
  const later = async (path: string) => {
    const { html } = await timed(path);
    const href = /href="([^"]+cursor=[^"]+)">(Next page|Older)/.exec(html)?.[1]?.replaceAll('&amp;', '&');
    if (!href) throw new Error(`${path}: no next page`);
    return href;
  };
  const rows: Record<string, string>[] = [];
  for (const [page, path] of [
    ['Roles (the frame alone)', '/admin/scale/roles'],
    ['Users, first page', '/admin/scale/users'],
    ['Users, deactivated', '/admin/scale/users?status=deactivated'],
    ['Users, find user9999@scale.test', '/admin/scale/users?q=user9999%40scale.test'],
    ['Users, next page', await later('/admin/scale/users')],
    ['Users, role admin (a mapped group)', '/admin/scale/users?role=admin'],
    ['Users, role editor (no one)', '/admin/scale/users?role=editor'],
    ['Users, role viewer (the default)', '/admin/scale/users?role=viewer'],
    ['Activity, first page', '/admin/scale/activity'],
    ['Activity, provisioning failures', '/admin/scale/activity?kind=provisioning&outcome=failure'],
    ['Activity, one user', `/admin/scale/activity?user=${adminId}`],
    ['Activity, older page', await later('/admin/scale/activity?kind=provisioning')],
  ] as const) {
    const { ms } = await timed(path);
    rows.push({ page, p50: percentile(ms, 0.5).toFixed(1), p95: percentile(ms, 0.95).toFixed(1) });
  }
  console.log(`admin console at ${USERS.toLocaleString('en')} users (loaded in ${(loadedIn / 1000).toFixed(0)} s) and ${Math.max(AUDIT_ROWS, have).toLocaleString('en')} audit rows; ms over loopback, ${SAMPLES} requests each`);
  console.log(table(rows));
} finally {
  await op.close();
  await worker.stop();
}
