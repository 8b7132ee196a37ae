/**
 * The example host app and Edge Identity together in one workerd (Miniflare's multi-worker
 * support), each built as `wrangler deploy` would and bound as their wrangler.toml files say: a
 * person signs in at a real OpenID Provider on loopback, the host's page reads the session through
 * the IdentityApi binding, its API verifies a session token against the published JWKS, and its
 * copy of the directory follows the change log. In production both sit on one hostname (routes);
 * here on two ports, so the test carries the sign-in cookie to the host as the browser would.
 */
import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../../scripts/lib/dev-vars.ts';
import { database } from '../../../src/db/client.ts';
import { setConnection } from '../../../src/oidc/connection-store.ts';
import { createScimToken, createTenant, enableScim } from '../../../src/tenants/tenant-store.ts';
import { buildWorker, startLocalWorker, type LocalWorker, type WorkerBuild } from '../../../test/support/local-worker.ts';
import { closeServer, listenOnLoopback } from '../../../test/support/node-http.ts';
import { oktaNewUser, oktaSetActive } from '../../../test/support/okta-bodies.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from '../../../test/support/okta-fixtures.ts';
import { startOktaLikeOp, type RunningOp } from '../../../test/support/okta-like-op.ts';

const HOST_DIR = join(PROJECT_ROOT, 'examples', 'host-app');
const SLUG = 'acme';

/** The cookies one site set, sent back as a browser would (name → value; the attributes do not matter here). */
class Jar {
  readonly cookies = new Map<string, string>();
  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  async fetch(url: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: this.header() } });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const expired = attributes.some((a) => /^\s*max-age=0\s*$/i.test(a));
      if (expired) this.cookies.delete(pair!.slice(0, at));
      else this.cookies.set(pair!.slice(0, at), pair!.slice(at + 1));
    }
    return res;
  }
}

const locationOf = (res: Response, base: string) => {
  expect([302, 303], `${res.status} ${res.url}`).toContain(res.status);
  return new URL(res.headers.get('location')!, base).href;
};

async function freeLoopbackPort(): Promise<number> {
  const server = createServer();
  const port = await listenOnLoopback(server);
  await closeServer(server);
  return port;
}

let identityBuild: WorkerBuild;
let hostBuild: WorkerBuild;
let worker: LocalWorker;
let op: RunningOp;
let identity: string;
let host: string;
let scimToken: string;

const scim = (method: string, path: string, body?: unknown) =>
  fetch(`${identity}/scim/v2/${SLUG}${path}`, { method, headers: { authorization: `Bearer ${scimToken}`, 'content-type': 'application/scim+json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

/** Signs `login` in: the app's login link, the provider's form, the callback; the jar then holds the session cookie. */
async function signIn(login: string): Promise<Jar> {
  const jar = new Jar();
  const provider = new Jar();
  let next = locationOf(await jar.fetch(`${identity}/auth/${SLUG}/login`), identity);
  for (let hop = 0; hop < 8 && !next.startsWith(identity); hop++) {
    const url = new URL(next);
    if (/^\/interaction\/[^/]+$/.test(url.pathname)) {
      expect((await provider.fetch(url.href)).status).toBe(200);
      next = locationOf(await provider.fetch(`${url.href}/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ login, password: 'any' }) }), url.href);
    } else {
      next = locationOf(await provider.fetch(url.href), url.href);
    }
  }
  const back = await jar.fetch(next);
  expect(back.status, await back.clone().text()).toBe(302);
  expect(jar.cookies.has('__Host-eid_session')).toBe(true);
  return jar;
}

beforeAll(async () => {
  const port = await freeLoopbackPort();
  identity = `http://127.0.0.1:${port}`;
  [identityBuild, hostBuild] = await Promise.all([buildWorker(), buildWorker(HOST_DIR)]);
  worker = await startLocalWorker({
    build: identityBuild,
    port,
    companions: [{ name: 'acme-app', build: hostBuild, configPath: join(HOST_DIR, 'wrangler.toml'), vars: { IDENTITY_ORIGIN: identity } }],
  });
  host = worker.companionUrls['acme-app']!;
  op = await startOktaLikeOp({ appOrigins: [identity] });
  const db = database(worker.db);
  const tenant = await enableScim(db, await createTenant(db, SLUG, { name: 'Acme' }));
  scimToken = (await createScimToken(db, tenant, 'okta', undefined)).token;
  const client = OKTA_CLIENTS.basic;
  await setConnection(db, worker.secretsKey, tenant, { issuer: op.issuer, clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod }, true);
}, 180_000);

afterAll(async () => {
  await op?.close();
  await worker?.stop();
  identityBuild?.remove();
  hostBuild?.remove();
});

describe('the example host app beside Edge Identity', () => {
  const alice = OKTA_ACCOUNTS[0]!;

  it('protects its page with session() over the binding, and offers sign-in without one', async () => {
    const created = await scim('POST', '/Users', oktaNewUser(alice.login, { externalId: alice.sub, displayName: 'Alice Anders' }));
    expect(created.status).toBe(201);
    const aliceId = ((await created.json()) as { id: string }).id;

    const anonymous = await fetch(`${host}/dashboard`, { redirect: 'manual' });
    expect(anonymous.status).toBe(302);
    expect(anonymous.headers.get('location')).toBe(`${identity}/auth/login?return_to=%2Fdashboard`);

    const jar = await signIn(alice.login);
    const page = await fetch(`${host}/dashboard`, { headers: { cookie: jar.header() } });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(`viewer at ${SLUG}`);

    // Deactivated through SCIM: the very next page view has no session.
    expect((await scim('PATCH', `/Users/${aliceId}`, oktaSetActive(false))).status).toBe(200);
    expect((await fetch(`${host}/dashboard`, { headers: { cookie: jar.header() }, redirect: 'manual' })).status).toBe(302);
    expect((await scim('PATCH', `/Users/${aliceId}`, oktaSetActive(true))).status).toBe(200);
  });

  it('verifies a session token from /auth/token against the JWKS, offline; a forged or missing one is 401', async () => {
    const jar = await signIn(alice.login);
    const issued = (await (await jar.fetch(`${identity}/auth/token`)).json()) as { token: string };
    const me = await fetch(`${host}/api/me`, { headers: { authorization: `Bearer ${issued.token}` } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ tenant: SLUG, role: 'viewer', requireSso: false, user: expect.any(String) });
    const [header, payload, signature] = issued.token.split('.') as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const forged = `${header}.${Buffer.from(JSON.stringify({ ...claims, role: 'owner' })).toString('base64url')}.${signature}`;
    expect((await fetch(`${host}/api/me`, { headers: { authorization: `Bearer ${forged}` } })).status).toBe(401);
    const missing = await fetch(`${host}/api/me`);
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe('Bearer');
  });

  it('keeps a copy of the directory from the change log, resuming from its cursor', async () => {
    const ids: Record<string, string> = {};
    for (const login of ['dee@acme.test', 'eve@acme.test', 'fay@acme.test']) ids[login] = ((await (await scim('POST', '/Users', oktaNewUser(login))).json()) as { id: string }).id;
    const first = (await (await fetch(`${host}/internal/sync/${SLUG}`, { method: 'POST' })).json()) as { applied: number };
    expect(first.applied).toBeGreaterThan(3);
    expect((await scim('PATCH', `/Users/${ids['eve@acme.test']}`, oktaSetActive(false))).status).toBe(200);
    expect((await scim('DELETE', `/Users/${ids['fay@acme.test']}`)).status).toBe(204);
    // Only what happened since: the deactivation and the delete.
    expect(await (await fetch(`${host}/internal/sync/${SLUG}`, { method: 'POST' })).json()).toEqual({ applied: 2 });
    const { members } = (await (await fetch(`${host}/members/${SLUG}`)).json()) as { members: { userName: string; active: boolean }[] };
    expect(Object.fromEntries(members.map((m) => [m.userName, m.active]))).toEqual({ [alice.login]: true, 'dee@acme.test': true, 'eve@acme.test': false });
    expect(await (await fetch(`${host}/internal/sync/${SLUG}`, { method: 'POST' })).json()).toEqual({ applied: 0 });
    expect((await fetch(`${host}/internal/sync/no-such-tenant`, { method: 'POST' })).status).toBe(404);
  });
});
