/**
 * The management API (`/api/v1`): every operation through HTTP as a host backend calls it, its
 * validation errors (RFC 9457, naming the field), access by key (operator, tenant-bound, revoked),
 * idempotent creates, and that it acts through the same stores as the CLI (the SCIM token it issues
 * provisions; the link it issues opens the setup page).
 */
import { SELF } from 'cloudflare:test';
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/api/api-keys.ts';
import { requestFingerprint } from '../src/api/idempotency.ts';
import { openApiDocument } from '../src/api/openapi.ts';
import { API_OPERATIONS, apiRoutes } from '../src/api/routes.ts';
import { auditLog, idempotentRequests, tenants } from '../src/db/schema.ts';
import { OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { oktaIssuer } from './support/sign-in.ts';
import { db, scimClient, tenantWithToken, uniqueSlug } from './support/tenants.ts';
import pkg from '../package.json' with { type: 'json' };

type Json = Record<string, any>;

const operatorKey = async () => (await createApiKey(db(), 'host-backend')).key;

function api(key: string | undefined, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  return SELF.fetch(`https://edge.test/api/v1${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
}

async function ok(res: Response, status = 200): Promise<Json> {
  const text = await res.text();
  expect(res.status, text).toBe(status);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return status === 204 ? {} : (JSON.parse(text) as Json);
}

async function problem(res: Response, status: number): Promise<string> {
  const body = (await res.json()) as Json;
  expect(res.status, JSON.stringify(body)).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(body).toMatchObject({ type: 'about:blank', status, title: expect.any(String), detail: expect.any(String) });
  return body.detail as string;
}

describe('tenants', () => {
  it('create, read, list, find by external id, change and delete', async () => {
    const key = await operatorKey();
    const slug = uniqueSlug('api');
    const externalId = `org_${crypto.randomUUID()}`;
    const created = await ok(await api(key, 'POST', '/tenants', { slug, name: 'Acme Inc', externalId }), 201);
    expect(created).toMatchObject({ slug, name: 'Acme Inc', externalId, scimEnabled: false, requireSso: false, scimBaseUrl: `https://edge.test/scim/v2/${slug}`, defaultRole: 'viewer', userCount: 0 });
    expect(await ok(await api(key, 'GET', `/tenants/${slug}`))).toEqual(created);
    expect((await ok(await api(key, 'GET', `/tenants?externalId=${externalId}`))).data).toEqual([created]);
    expect((await ok(await api(key, 'GET', '/tenants?externalId=org_nobody'))).data).toEqual([]);
    expect(((await ok(await api(key, 'GET', '/tenants'))).data as Json[]).map((t) => t.slug)).toContain(slug);

    const changed = await ok(await api(key, 'PATCH', `/tenants/${slug}`, { name: 'Acme Corp', externalId: null, scimEnabled: true, maxUsers: 50 }));
    expect(changed).toMatchObject({ name: 'Acme Corp', externalId: null, scimEnabled: true, maxUsers: 50, maxGroups: 100_000 });
    const actions = await db().select({ action: auditLog.action, actor: auditLog.actor }).from(auditLog).where(eq(auditLog.tenantId, created.id)).all();
    const keyId = (await ok(await api(key, 'GET', '/'))).key.id;
    expect(actions).toEqual(expect.arrayContaining([{ action: 'tenant.create', actor: `api:${keyId}` }, { action: 'tenant.update', actor: `api:${keyId}` }, { action: 'scim.enable', actor: `api:${keyId}` }]));

    await ok(await api(key, 'DELETE', `/tenants/${slug}`), 204);
    await problem(await api(key, 'GET', `/tenants/${slug}`), 404);
    await problem(await api(key, 'DELETE', `/tenants/${slug}`), 404);
  });

  it('refusals name what is wrong: the field, a taken slug or external id, a quota below what is held', async () => {
    const key = await operatorKey();
    expect(await problem(await api(key, 'POST', '/tenants', { slug: 'Not A Slug!' }), 400)).toMatch(/^slug: /);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug(), colour: 'red' }), 400)).toMatch(/colour/);
    expect(await problem(await api(key, 'POST', '/tenants', { name: 'no slug' }), 400)).toMatch(/^slug: /);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug(), externalId: '' }), 400)).toMatch(/^externalId: /);
    expect(await problem(await api(key, 'POST', '/tenants', '{"slug":'), 400)).toBe('The body is not JSON.');
    expect(await problem(await api(key, 'POST', '/tenants', 'slug=a', { 'content-type': 'application/x-www-form-urlencoded' }), 415)).toMatch(/application\/json/);
    expect(await problem(await api(key, 'POST', '/tenants', JSON.stringify({ slug: 'x'.repeat(70_000) })), 413)).toMatch(/larger than/);

    const taken = await tenantWithToken();
    expect(await problem(await api(key, 'POST', '/tenants', { slug: taken.slug }), 409)).toBe(`tenant "${taken.slug}" already exists`);
    const externalId = `org_${crypto.randomUUID()}`;
    await ok(await api(key, 'POST', '/tenants', { slug: uniqueSlug(), externalId }), 201);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug(), externalId }), 409)).toMatch(/already names another tenant/);
    expect(await problem(await api(key, 'PATCH', `/tenants/${taken.slug}`, { externalId }), 409)).toMatch(/already names another tenant/);

    await taken.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'held@acme.test' });
    expect(await problem(await api(key, 'PATCH', `/tenants/${taken.slug}`, { maxUsers: 0 }), 409)).toMatch(/already holds 1 users/);
    expect(await problem(await api(key, 'PATCH', `/tenants/${taken.slug}`, { maxUsers: -1 }), 400)).toMatch(/^maxUsers: /);
    expect(await problem(await api(key, 'PATCH', `/tenants/${taken.slug}`, {}), 400)).toMatch(/at least one/);
  });

  it('a tenant-bound key manages its own tenant and cannot create, delete, list or reach others', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const { key } = await createApiKey(db(), 'a-only', a.tenant);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug() }), 403)).toMatch(/needs an operator key/);
    expect(await problem(await api(key, 'DELETE', `/tenants/${a.slug}`), 403)).toMatch(/needs an operator key/);
    expect(((await ok(await api(key, 'GET', '/tenants'))).data as Json[]).map((t) => t.slug)).toEqual([a.slug]);
    await ok(await api(key, 'PATCH', `/tenants/${a.slug}`, { name: 'Mine' }));
    for (const [method, path] of [['GET', `/tenants/${b.slug}`], ['PATCH', `/tenants/${b.slug}`], ['GET', `/tenants/${b.slug}/users`], ['POST', `/tenants/${b.slug}/scim-tokens`], ['GET', `/tenants/${b.slug}/connection`]] as const) {
      expect(await problem(await api(key, method, path, method === 'GET' ? undefined : { name: 'x' }), 403)).toMatch(/bound to another tenant/);
    }
    const { info, key: revoked } = await createApiKey(db(), 'gone');
    await revokeApiKey(db(), info.id);
    await problem(await api(revoked, 'POST', '/tenants', { slug: uniqueSlug() }), 401);
  });
});

describe('Idempotency-Key on create', () => {
  it('a retry with the same key and body answers the first response; one tenant exists', async () => {
    const key = await operatorKey();
    const slug = uniqueSlug('idem');
    const headers = { 'idempotency-key': `"${crypto.randomUUID()}"` };
    const first = await api(key, 'POST', '/tenants', { slug, name: 'Once' }, headers);
    const firstBody = await ok(first, 201);
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const retry = await api(key, 'POST', '/tenants', { slug, name: 'Once' }, headers);
    expect(await ok(retry, 201)).toEqual(firstBody);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(await db().select().from(tenants).where(eq(tenants.slug, slug)).all()).toHaveLength(1);
    // Without the key, the same create is a conflict: the key is what makes the retry safe.
    await problem(await api(key, 'POST', '/tenants', { slug, name: 'Once' }), 409);
  });

  it('the same key with another body is 422; another API key has its own keys', async () => {
    const key = await operatorKey();
    const headers = { 'idempotency-key': crypto.randomUUID() };
    await ok(await api(key, 'POST', '/tenants', { slug: uniqueSlug() }, headers), 201);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug() }, headers), 422)).toMatch(/different request/);
    await ok(await api(await operatorKey(), 'POST', '/tenants', { slug: uniqueSlug() }, headers), 201);
    expect(await problem(await api(key, 'POST', '/tenants', { slug: uniqueSlug() }, { 'idempotency-key': 'has space' }), 400)).toMatch(/^Idempotency-Key: /);
  });

  it('a request still running holds its key (409); one that died a minute ago is taken over', async () => {
    const key = await operatorKey();
    const keyId = (await ok(await api(key, 'GET', '/'))).key.id as string;
    const body = { slug: uniqueSlug() };
    const held = crypto.randomUUID();
    // The claim a first request holds while it runs: the request's fingerprint, no answer yet.
    const claim = and(eq(idempotentRequests.apiKeyId, keyId), eq(idempotentRequests.key, held));
    await db().insert(idempotentRequests).values({ apiKeyId: keyId, key: held, fingerprint: await requestFingerprint('POST', '/api/v1/tenants', body), status: null, response: null, createdAt: new Date().toISOString() });
    const busy = await api(key, 'POST', '/tenants', body, { 'idempotency-key': held });
    expect(await problem(busy, 409)).toMatch(/still being processed/);
    expect(busy.headers.get('retry-after')).toBe('1');
    await db().update(idempotentRequests).set({ createdAt: new Date(Date.now() - 120_000).toISOString() }).where(claim);
    expect(await ok(await api(key, 'POST', '/tenants', body, { 'idempotency-key': held }), 201)).toMatchObject({ slug: body.slug });
    expect(await db().select({ status: idempotentRequests.status }).from(idempotentRequests).where(claim).get()).toEqual({ status: 201 });
  });

  it('a create that fails leaves no record: its retry runs afresh', async () => {
    const key = await operatorKey();
    const taken = await tenantWithToken();
    const headers = { 'idempotency-key': crypto.randomUUID() };
    await problem(await api(key, 'POST', '/tenants', { slug: taken.slug }, headers), 409);
    await ok(await api(key, 'DELETE', `/tenants/${taken.slug}`), 204);
    expect(await ok(await api(key, 'POST', '/tenants', { slug: taken.slug }, headers), 201)).toMatchObject({ slug: taken.slug });
  });
});

describe('SCIM tokens', () => {
  it('issue shows the token once and it provisions; the list never shows it; revoke stops it', async () => {
    const key = await operatorKey();
    const slug = uniqueSlug();
    await ok(await api(key, 'POST', '/tenants', { slug }), 201);
    await ok(await api(key, 'PATCH', `/tenants/${slug}`, { scimEnabled: true }));
    const issued = await ok(await api(key, 'POST', `/tenants/${slug}/scim-tokens`, { label: 'okta', expiresInSeconds: 86400 * 30 }), 201);
    expect(issued).toMatchObject({ label: 'okta', token: expect.stringMatching(/^eid_scim_/), scimBaseUrl: `https://edge.test/scim/v2/${slug}`, scimEnabled: true, expiresAt: expect.any(String) });
    const scim = scimClient(slug, issued.token);
    expect((await scim.get('/Users')).status).toBe(200);
    const listed = await ok(await api(key, 'GET', `/tenants/${slug}/scim-tokens`));
    expect(listed.data).toEqual([expect.objectContaining({ id: issued.id, label: 'okta', revokedAt: null })]);
    expect(JSON.stringify(listed)).not.toContain(issued.token);
    expect(await ok(await api(key, 'DELETE', `/tenants/${slug}/scim-tokens/${issued.id}`))).toMatchObject({ id: issued.id, revokedAt: expect.any(String) });
    expect((await scim.get('/Users')).status).toBe(401);
    expect(await problem(await api(key, 'DELETE', `/tenants/${slug}/scim-tokens/${issued.id}`), 409)).toMatch(/already revoked/);
    expect(await problem(await api(key, 'DELETE', `/tenants/${slug}/scim-tokens/tok_nope`), 404)).toBe(`tenant "${slug}" has no token "tok_nope"`);
    // No body at all is an empty one: a token with the default label and no end.
    expect(await ok(await api(key, 'POST', `/tenants/${slug}/scim-tokens`), 201)).toMatchObject({ label: 'default', expiresAt: null });
    expect(await problem(await api(key, 'POST', `/tenants/${slug}/scim-tokens`, { expiresInSeconds: 5 }), 400)).toMatch(/^expiresInSeconds: /);
  });
});

describe('sign-in settings', () => {
  const client = OKTA_CLIENTS.basic;

  it('the connection: 404 before one exists, PUT creates and changes it, the secret never comes back, the test reports', async () => {
    const key = await operatorKey();
    const t = await tenantWithToken();
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/connection`), 404)).toMatch(/no OIDC connection/);
    await problem(await api(key, 'POST', `/tenants/${t.slug}/connection/test`), 404);
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { clientId: client.clientId }), 400)).toMatch(/needs an issuer and a client id/);
    const put = await ok(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { issuer: oktaIssuer(), clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod }));
    expect(put.connection).toMatchObject({ issuer: oktaIssuer(), clientId: client.clientId, hasClientSecret: true, jit: false, requireSso: false });
    expect(put.okta).toMatchObject({ signInRedirectUri: 'https://edge.test/auth/callback', userSignInUrl: `https://edge.test/auth/${t.slug}/login` });
    expect(JSON.stringify(put)).not.toContain(client.clientSecret);
    const got = await ok(await api(key, 'GET', `/tenants/${t.slug}/connection`));
    expect(got).toEqual(put);
    const report = await ok(await api(key, 'POST', `/tenants/${t.slug}/connection/test`));
    expect(report).toMatchObject({ ok: true, issuer: oktaIssuer(), problems: [] });
    const required = await ok(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { requireSso: true }));
    expect(required.connection.requireSso).toBe(true);
    expect((await ok(await api(key, 'GET', `/tenants/${t.slug}`))).requireSso).toBe(true);
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { jit: 'yes' }), 400)).toMatch(/^jit: /);
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { scopes: 'email' }), 400)).toMatch(/must include "openid"/);
  });

  it('requiring SSO with a provider that does not check out is 409 with the reason, and nothing changes', async () => {
    const key = await operatorKey();
    const t = await tenantWithToken();
    const detail = await problem(await api(key, 'PUT', `/tenants/${t.slug}/connection`, { issuer: 'http://127.0.0.1:9/nobody', clientId: 'c', clientSecret: 's', requireSso: true }), 409);
    expect(detail).toMatch(/^SSO cannot be required while the provider does not check out: discovery at http:\/\/127\.0\.0\.1:9\/nobody/);
    await problem(await api(key, 'GET', `/tenants/${t.slug}/connection`), 404);
  });

  it('session settings read and change, within their bounds', async () => {
    const key = await operatorKey();
    const t = await tenantWithToken();
    expect(await ok(await api(key, 'GET', `/tenants/${t.slug}/session-settings`))).toEqual({ sessionIdleSeconds: 28_800, sessionAbsoluteSeconds: 86_400 });
    expect(await ok(await api(key, 'PUT', `/tenants/${t.slug}/session-settings`, { sessionIdleSeconds: 3600 }))).toEqual({ sessionIdleSeconds: 3600, sessionAbsoluteSeconds: 86_400 });
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/session-settings`, { sessionIdleSeconds: 90_000 }), 400)).toMatch(/cannot exceed the absolute timeout/);
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/session-settings`, { sessionIdleSeconds: 60 }), 400)).toMatch(/at least 5 minutes/);
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/session-settings`, { sessionIdleSeconds: '1h' }), 400)).toMatch(/^sessionIdleSeconds: /);
  });
});

describe('roles', () => {
  it('map groups to roles, read, unmap, set the default; roles outside the catalog are refused', async () => {
    const key = await operatorKey();
    const t = await tenantWithToken();
    const mapped = await ok(await api(key, 'POST', `/tenants/${t.slug}/role-mappings`, { mappings: [{ groupName: 'Okta Admins', role: 'admin' }, { groupName: 'Editors', role: 'EDITOR' }] }));
    expect(mapped.mapped.map((m: Json) => [m.groupName, m.role])).toEqual([['Okta Admins', 'admin'], ['Editors', 'editor']]);
    const roles = await ok(await api(key, 'GET', `/tenants/${t.slug}/roles`));
    expect(roles).toMatchObject({ roles: ['owner', 'admin', 'editor', 'viewer'], defaultRole: 'viewer' });
    expect(roles.mappings.map((m: Json) => m.groupName)).toEqual(['Editors', 'Okta Admins']);
    expect(await ok(await api(key, 'DELETE', `/tenants/${t.slug}/role-mappings/${encodeURIComponent('okta admins')}`))).toMatchObject({ groupName: 'Okta Admins', role: 'admin' });
    expect(await problem(await api(key, 'DELETE', `/tenants/${t.slug}/role-mappings/Nobody`), 404)).toMatch(/no mapping for "Nobody"/);
    expect(await ok(await api(key, 'PUT', `/tenants/${t.slug}/default-role`, { role: 'editor' }))).toEqual({ defaultRole: 'editor' });
    expect(await problem(await api(key, 'PUT', `/tenants/${t.slug}/default-role`, { role: 'superuser' }), 400)).toMatch(/is not a role of tenant/);
    expect(await problem(await api(key, 'POST', `/tenants/${t.slug}/role-mappings`, { mappings: [] }), 400)).toMatch(/^mappings: /);
    expect(await problem(await api(key, 'POST', `/tenants/${t.slug}/role-mappings`, { mappings: [{ groupName: 'A', role: 'admin' }, { groupName: 'a', role: 'viewer' }] }), 400)).toMatch(/mapped twice/);
  });
});

describe('domains', () => {
  it('a claimed domain routes sign-in only once verified; only an operator vouches; remove releases it', async () => {
    const operator = await operatorKey();
    const t = await tenantWithToken();
    const { key: bound } = await createApiKey(db(), 'bound', t.tenant);
    const domain = `${t.slug}.example.com`;
    const pending = await ok(await api(bound, 'POST', `/tenants/${t.slug}/domains`, { domain: `${domain.toUpperCase()}.` }), 201);
    expect(pending).toMatchObject({ domain, verified: false, verifiedAt: null, txtName: `_edge-identity.${domain}`, txtValue: expect.stringMatching(/^edge-identity-verification=/) });
    await problem(await api(operator, 'GET', `/domains/${domain}`), 404);
    expect(await problem(await api(bound, 'POST', `/tenants/${t.slug}/domains`, { domain, verified: true }), 403)).toMatch(/only an operator key/);
    expect(await ok(await api(operator, 'POST', `/tenants/${t.slug}/domains`, { domain, verified: true }), 201)).toMatchObject({ domain, verified: true });
    expect(await ok(await api(bound, 'GET', `/domains/${domain}`))).toEqual({ domain, tenant: t.slug, requireSso: false, signInUrl: `https://edge.test/auth/${t.slug}/login` });
    expect((await ok(await api(bound, 'GET', `/tenants/${t.slug}/domains`))).data).toEqual([expect.objectContaining({ domain, verified: true })]);
    const other = await tenantWithToken();
    expect(await problem(await api(operator, 'POST', `/tenants/${other.slug}/domains`, { domain }), 409)).toMatch(/belongs to another tenant/);
    expect(await problem(await api(operator, 'POST', `/tenants/${other.slug}/domains`, { domain: 'not a domain' }), 400)).toMatch(/is not a domain name/);
    await ok(await api(bound, 'DELETE', `/tenants/${t.slug}/domains/${domain}`), 204);
    await problem(await api(operator, 'GET', `/domains/${domain}`), 404);
    expect(await problem(await api(bound, 'DELETE', `/tenants/${t.slug}/domains/${domain}`), 404)).toMatch(/has no domain/);
    expect(await problem(await api(bound, 'POST', `/tenants/${t.slug}/domains/${domain}/verify`), 404)).toMatch(/has no domain/);
  });
});

describe('setup links', () => {
  it('issue shows the URL once and it opens the setup page; list never shows the key; revoke closes it', async () => {
    const key = await operatorKey();
    const t = await tenantWithToken();
    const issued = await ok(await api(key, 'POST', `/tenants/${t.slug}/setup-links`, { expiresInSeconds: 3600 }), 201);
    expect(issued.url).toMatch(new RegExp(`^https://edge\\.test/setup/${t.slug}/open#key=eid_setup_`));
    const setupKey = issued.url.split('#key=')[1] as string;
    const listed = await ok(await api(key, 'GET', `/tenants/${t.slug}/setup-links`));
    expect(listed.data).toEqual([expect.objectContaining({ id: issued.id, revokedAt: null, liveTokens: [] })]);
    expect(JSON.stringify(listed)).not.toContain(setupKey);
    // What the page behind the URL does with its fragment: a same-origin form POST of the key.
    const open = () => SELF.fetch(`https://edge.test/setup/${t.slug}/open`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://edge.test' }, body: new URLSearchParams({ key: setupKey }), redirect: 'manual' });
    const opened = await open();
    expect(opened.status).toBe(200);
    expect(opened.headers.get('set-cookie')).toBeTruthy();
    expect(await ok(await api(key, 'DELETE', `/tenants/${t.slug}/setup-links/${issued.id}`))).toMatchObject({ id: issued.id, revokedAt: expect.any(String) });
    expect((await open()).status).toBe(403);
    expect(await problem(await api(key, 'DELETE', `/tenants/${t.slug}/setup-links/${issued.id}`), 409)).toMatch(/already revoked/);
    expect(await problem(await api(key, 'POST', `/tenants/${t.slug}/setup-links`, { expiresInSeconds: 90 * 86400 }), 400)).toMatch(/^expiresInSeconds: /);
  });
});

describe('directory reads', () => {
  async function provisioned() {
    const t = await tenantWithToken();
    const ids: string[] = [];
    for (const [i, name] of ['ana', 'ben', 'cy', 'dee', 'eve'].entries()) {
      const res = await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${name}@acme.test`, active: i !== 2, name: { givenName: name, familyName: 'Test' } });
      ids.push(((await res.json()) as { id: string }).id);
    }
    const group = (await (await t.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Okta Admins', members: [{ value: ids[0] }] })).json()) as { id: string };
    return { ...t, ids, groupId: group.id };
  }

  it('users page by cursor in creation order, with SCIM filters; one user carries role and groups', async () => {
    const key = await operatorKey();
    const t = await provisioned();
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const page: Json = await ok(await api(key, 'GET', `/tenants/${t.slug}/users?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      seen.push(...page.data.map((u: Json) => u.id));
      cursor = page.next;
      pages++;
    } while (cursor);
    expect(seen).toEqual(t.ids);
    expect(pages).toBe(3);
    const inactive = await ok(await api(key, 'GET', `/tenants/${t.slug}/users?filter=${encodeURIComponent('active eq false')}`));
    expect(inactive.data.map((u: Json) => u.userName)).toEqual(['cy@acme.test']);
    expect(inactive.next).toBeNull();
    const byName = await ok(await api(key, 'GET', `/tenants/${t.slug}/users?filter=${encodeURIComponent('userName sw "d" or name.givenName eq "eve"')}`));
    expect(byName.data.map((u: Json) => u.userName)).toEqual(['dee@acme.test', 'eve@acme.test']);
    expect(byName.data[0]).toMatchObject({ schemas: expect.any(Array), meta: { resourceType: 'User', location: `https://edge.test/scim/v2/${t.slug}/Users/${t.ids[3]}` } });
    expect(byName.data[0].groups).toBeUndefined();

    await ok(await api(key, 'POST', `/tenants/${t.slug}/role-mappings`, { mappings: [{ groupName: 'Okta Admins', role: 'admin' }] }));
    expect(await ok(await api(key, 'GET', `/tenants/${t.slug}/users/${t.ids[0]}`))).toMatchObject({ id: t.ids[0], userName: 'ana@acme.test', role: 'admin', groupNames: ['Okta Admins'] });
    expect(await ok(await api(key, 'GET', `/tenants/${t.slug}/users/${t.ids[1]}`))).toMatchObject({ role: 'viewer', groupNames: [] });
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users/nobody`), 404)).toMatch(/has no user "nobody"/);
    const groups = await ok(await api(key, 'GET', `/tenants/${t.slug}/groups?filter=${encodeURIComponent('displayName eq "okta admins"')}`));
    expect(groups.data).toEqual([expect.objectContaining({ id: t.groupId, displayName: 'Okta Admins' })]);
    expect(groups.data[0].members).toBeUndefined();
  });

  it('a walk during deletes and creates neither repeats nor skips a user that stays', async () => {
    const key = await operatorKey();
    const t = await provisioned();
    const first: Json = await ok(await api(key, 'GET', `/tenants/${t.slug}/users?limit=2`));
    // Between pages: the first page's users and a later one are deleted, a new one is created.
    for (const id of [t.ids[0], t.ids[1], t.ids[3]]) expect((await t.scim.delete(`/Users/${id}`)).status).toBe(204);
    const late = (await (await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'late@acme.test' })).json()) as { id: string };
    const rest: Json = await ok(await api(key, 'GET', `/tenants/${t.slug}/users?limit=10&cursor=${first.next}`));
    expect(rest.data.map((u: Json) => u.id)).toEqual([t.ids[2], t.ids[4], late.id]);
  });

  it("bad filters and cursors are 400 problems naming the parameter; another list's cursor is refused", async () => {
    const key = await operatorKey();
    const t = await provisioned();
    const other = await provisioned();
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users?filter=${encodeURIComponent('userName eq')}`), 400)).toMatch(/^filter: /);
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users?filter=${encodeURIComponent('nosuch eq "x"')}`), 400)).toMatch(/^filter: /);
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users?limit=0`), 400)).toMatch(/^limit: /);
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users?cursor=garbage`), 400)).toMatch(/^cursor: /);
    const otherCursor = (await ok(await api(key, 'GET', `/tenants/${other.slug}/users?limit=1`))).next as string;
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/users?cursor=${otherCursor}`), 400)).toMatch(/^cursor: /);
    const usersCursor = (await ok(await api(key, 'GET', `/tenants/${t.slug}/users?limit=1`))).next as string;
    expect(await problem(await api(key, 'GET', `/tenants/${t.slug}/groups?cursor=${usersCursor}`), 400)).toMatch(/^cursor: /);
  });
});

describe('the OpenAPI document', () => {
  it('is served without a key and is the document of the operations the router mounts', async () => {
    const res = await SELF.fetch('https://edge.test/api/v1/openapi.json');
    const served = await ok(res);
    expect(served).toEqual(openApiDocument(API_OPERATIONS, 'https://edge.test', pkg.version));
    expect(served.openapi).toBe('3.1.1');
    expect(served.servers).toEqual([{ url: 'https://edge.test/api/v1' }]);
    // Every route Hono serves under /api/v1 is in the document, and nothing else is.
    const routes = new Set(apiRoutes.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method.toLowerCase()} ${r.path.replace(/:(\w+)/g, '{$1}')}`));
    const documented = new Set(Object.entries(served.paths as Record<string, Json>).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m} ${path}`)));
    expect(documented).toEqual(routes);
    expect(served.paths['/tenants'].post.parameters).toEqual([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]);
    expect(served.components.schemas.Tenant.properties.externalId).toBeDefined();
    expect(JSON.stringify(served)).not.toContain('#/$defs/');
  });
});
