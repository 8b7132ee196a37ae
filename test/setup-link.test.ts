/**
 * Self-service setup links: the key is traded for a sealed, tenant-bound Strict cookie; the page
 * shows the tenant's own Okta values and never a secret; changes need a same-origin POST and a
 * live link, go through the CLI's stores (provider checked first) and are audited as setup:<id>.
 */
import { env, SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, inject, it } from 'vitest';
import { oidcConnections, scimTokens, setupLinks } from '../src/db/schema.ts';
import { getConnectionInfo, loadSignInSetup, openClientSecret, setConnection } from '../src/oidc/connection-store.ts';
import { createSetupLink, listSetupLinks, revokeSetupLink, setupUrl } from '../src/tenants/setup-links.ts';
import { grantFor, openSetupGrant, sealSetupGrant } from '../src/tenants/setup-grant.ts';
import { createTenant, findTenantBySlug } from '../src/tenants/tenant-store.ts';
import { app, CookieJar, fakeScenario, location, TEST_APP_ORIGIN } from './support/sign-in.ts';
import { db, scimClient, tenantRow, tenantWithToken, uniqueSlug, announce } from './support/tenants.ts';

const FORM = { origin: TEST_APP_ORIGIN, 'content-type': 'application/x-www-form-urlencoded' };

/** A fresh link for `slug` and the path (with key) it opens. */
async function link(slug: string, expiresInSeconds?: number) {
  const { info, key } = await createSetupLink(db(), await tenantRow(slug), expiresInSeconds);
  return { id: info.id, key, path: setupUrl('', slug, key) };
}

/** What the open page's script does with a link's fragment: a same-origin form POST of the key. */
const postKey = (jar: CookieJar, slug: string, key: string, headers: Record<string, string> = FORM) =>
  app(jar, `/setup/${slug}/open`, { method: 'POST', headers, body: new URLSearchParams({ key }) });

/** Opens a link in a fresh browser: the page behind the link's path, then the key traded for the cookie. */
async function openLink(slug: string, expiresInSeconds?: number) {
  const issued = await link(slug, expiresInSeconds);
  const jar = new CookieJar();
  const [path, fragment] = issued.path.split('#');
  expect((await app(jar, path!)).status).toBe(200);
  const response = await postKey(jar, slug, new URLSearchParams(fragment).get('key')!);
  expect(response.status).toBe(200);
  return { ...issued, jar, response };
}

/** The 403 page without its per-response reference, so refusals can be compared. */
async function refusal(response: Response): Promise<string> {
  expect(response.status).toBe(403);
  return (await response.text()).replace(/<code>[^<]*<\/code>/, '');
}

const postForm = (jar: CookieJar, slug: string, fields: Record<string, string>, headers: Record<string, string> = FORM) =>
  app(jar, `/setup/${slug}/connection`, { method: 'POST', headers, body: new URLSearchParams(fields) });

async function auditRows(tenantId: string) {
  const rows = await env.DB.prepare('SELECT actor, action, outcome, detail FROM audit_log WHERE tenant_id = ? ORDER BY at, id').bind(tenantId).all<{ actor: string; action: string; outcome: string; detail: string | null }>();
  return rows.results;
}

async function tokenCount(tenantId: string) {
  return (await db().select().from(scimTokens).where(eq(scimTokens.tenantId, tenantId)).all()).length;
}

describe('setup links in the store', () => {
  it('live 7 days by default, at most 30, are listed without keys, and are revoked once, by their own tenant only', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const before = Date.now();
    const { info, key } = await createSetupLink(db(), await tenantRow(a.slug));
    expect(key).toMatch(/^eid_setup_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(info.expiresAt) - before).toBeGreaterThanOrEqual(7 * 86400_000 - 1000);
    expect(Date.parse(info.expiresAt) - before).toBeLessThanOrEqual(7 * 86400_000 + 1000);
    await expect(createSetupLink(db(), await tenantRow(a.slug), 31 * 86400)).rejects.toThrow(/at most 30 days/);
    // The slug is resolved once, at the edge, before any store runs.
    await expect(tenantRow('no-such-tenant').then((tenant) => createSetupLink(db(), tenant))).rejects.toThrow(/unknown tenant/);

    const row = await db().select().from(setupLinks).where(eq(setupLinks.id, info.id)).get();
    expect(row!.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(key.slice('eid_setup_'.length));
    const listed = await listSetupLinks(db(), await tenantRow(a.slug));
    expect(listed).toEqual([{ ...info, liveTokens: [] }]);
    expect(JSON.stringify(listed)).not.toContain(row!.hash);

    await expect(revokeSetupLink(db(), announce, await tenantRow(b.slug), info.id)).rejects.toThrow(/has no setup link/);
    const revoked = await revokeSetupLink(db(), announce, await tenantRow(a.slug), info.id);
    expect(revoked.revokedAt).not.toBeNull();
    await expect(revokeSetupLink(db(), announce, await tenantRow(a.slug), info.id)).rejects.toThrow(/already revoked/);
    expect((await auditRows(a.tenant.id)).filter((r) => r.action.startsWith('setup-link'))).toEqual([
      expect.objectContaining({ actor: 'cli', action: 'setup-link.create', outcome: 'success' }),
      expect.objectContaining({ actor: 'cli', action: 'setup-link.revoke', outcome: 'success' }),
    ]);
  });

  it('seal a grant that opens for its own tenant until it expires, and never beyond its link', async () => {
    const nowMs = Date.parse('2030-01-01T00:00:00.000Z');
    const grant = grantFor('tenant-id', 'sl_1', '2030-01-01T00:10:00.000Z', nowMs);
    expect(grant.expiresAt).toBe(nowMs + 600_000);
    expect(grantFor('tenant-id', 'sl_1', '2030-02-01T00:00:00.000Z', nowMs).expiresAt).toBe(nowMs + 3600_000);
    const sealed = await sealSetupGrant(env.SECRETS_KEY, 'acme', grant);
    expect(await openSetupGrant(env.SECRETS_KEY, 'acme', sealed, nowMs)).toEqual(grant);
    expect(await openSetupGrant(env.SECRETS_KEY, 'acme', sealed, grant.expiresAt)).toBeUndefined();
    expect(await openSetupGrant(env.SECRETS_KEY, 'other', sealed, nowMs)).toBeUndefined();
    expect(await openSetupGrant(env.SECRETS_KEY, 'acme', 'v1.garbage', nowMs)).toBeUndefined();
  });
});

describe('the link itself', () => {
  it('carries its key only in the fragment, which opens a page that posts it once (script allowed by hash only)', async () => {
    const t = await tenantWithToken();
    const issued = await link(t.slug);
    expect(issued.path).toBe(`/setup/${t.slug}/open#key=${issued.key}`);
    const page = await app(new CookieJar(), `/setup/${t.slug}/open`);
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie()).toEqual([]);
    const policy = page.headers.get('content-security-policy')!;
    const body = await page.text();
    const script = /<script>([^<]*)<\/script>/.exec(body)![1]!;
    const digest = btoa(String.fromCharCode(...new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(script)))));
    expect(policy).toContain(`script-src 'sha256-${digest}'`);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(body).toContain(`<form id="open" method="post" action="/setup/${t.slug}/open">`);
    expect(script).toContain('location.hash');
    // A cross-site post of a key (login CSRF into someone else's tenant) is refused.
    expect((await postKey(new CookieJar(), t.slug, issued.key, { 'content-type': FORM['content-type'], origin: 'https://evil.example' })).status).toBe(403);
    // What Chromium sends for our no-referrer page's form: Origin null with same-origin Fetch Metadata.
    const opened = await postKey(new CookieJar(), t.slug, issued.key, { 'content-type': FORM['content-type'], origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(opened.status).toBe(200);
    expect(opened.headers.getSetCookie()).toHaveLength(1);
  });
});

describe('GET /setup/:tenant', () => {
  it('trades the key for a Strict, sealed, tenant-bound cookie and leaves the key behind', async () => {
    const t = await tenantWithToken();
    const { jar, response, key, id } = await openLink(t.slug);
    const [cookie] = response.headers.getSetCookie();
    expect(cookie).toMatch(new RegExp(`^__Host-eid_setup_${t.slug}=v1\\.`));
    expect(cookie).toMatch(/; HttpOnly/i);
    expect(cookie).toMatch(/; Secure/i);
    expect(cookie).toMatch(/; SameSite=Strict/i);
    expect(cookie).toMatch(/; Path=\//i);
    expect(Number(/Max-Age=(\d+)/i.exec(cookie!)![1])).toBeLessThanOrEqual(3600);
    expect(cookie).not.toContain(key);
    // A same-site step to the clean URL (a redirect would lose the Strict cookie after a cross-site click).
    const body = await response.text();
    expect(body).toContain(`<meta http-equiv="refresh" content="0;url=/setup/${t.slug}">`);
    expect(body).not.toContain(key);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect((await listSetupLinks(db(), await tenantRow(t.slug)))[0]).toMatchObject({ id, lastUsedAt: expect.any(String) });
    const page = await app(jar, `/setup/${t.slug}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Not connected yet.');
  });

  it("shows the tenant's own Okta values and connection state, never the secret, with no-store and no framing", async () => {
    const slug = uniqueSlug('acme');
    await createTenant(db(), slug, { name: 'Acme <b>"Inc"</b>' });
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(slug), { issuer: 'https://acme.okta.com', clientId: '0oa-client-id', clientSecret: 'super-secret-value', groupsClaim: 'okta_groups' }, false);
    const { jar } = await openLink(slug);
    const page = await app(jar, `/setup/${slug}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const body = await page.text();
    for (const text of [
      `${TEST_APP_ORIGIN}/auth/callback`,
      `${TEST_APP_ORIGIN}/auth/logged-out`,
      `${TEST_APP_ORIGIN}/auth/${slug}/initiate`,
      `${TEST_APP_ORIGIN}/auth/${slug}/frontchannel-logout`,
      `${TEST_APP_ORIGIN}/scim/v2/${slug}`,
      'OIDC – Web Application',
      'Either Okta or App',
      '<code>okta_groups</code> <strong>Matches regex</strong> <code>.*</code>',
      'https://acme.okta.com',
      '0oa-client-id',
      'client_secret_basic',
      'set (not shown)',
      'not enabled yet',
    ]) {
      expect(body).toContain(text);
    }
    expect(body).not.toContain('super-secret-value');
    expect(body).toContain('Acme &lt;b&gt;&quot;Inc&quot;&lt;/b&gt;');
    expect(body).not.toContain('<b>"Inc"</b>');
  });

  it('refuses expired, revoked, wrong-tenant and garbage keys, and a missing cookie, with one and the same 403 page', async () => {
    const t = await tenantWithToken();
    const other = await tenantWithToken();
    const expired = await link(t.slug);
    await db().update(setupLinks).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(setupLinks.id, expired.id));
    const revoked = await link(t.slug);
    await revokeSetupLink(db(), announce, await tenantRow(t.slug), revoked.id);
    const othersKey = (await link(other.slug)).key;
    const keys = [expired.key, revoked.key, othersKey, 'eid_setup_' + 'A'.repeat(43), 'garbage', ''];
    const pages = new Set<string>();
    for (const key of keys) {
      const response = await postKey(new CookieJar(), t.slug, key);
      expect(response.headers.getSetCookie()).toEqual([]);
      expect(response.headers.get('cache-control')).toBe('no-store');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      pages.add(await refusal(response));
    }
    pages.add(await refusal(await SELF.fetch(`${TEST_APP_ORIGIN}/setup/${t.slug}`)));
    pages.add(await refusal(await postKey(new CookieJar(), 'Not_A_Slug', othersKey)));
    // A key in the query (links issued before keys moved to the fragment) opens nothing.
    pages.add(await refusal(await SELF.fetch(`${TEST_APP_ORIGIN}/setup/${t.slug}?key=${encodeURIComponent((await link(t.slug)).key)}`)));
    expect(pages.size).toBe(1);
    expect([...pages][0]).toContain('This setup link is not valid any more; ask the team at edge.test that sent it for a new one.');
  });

  it('stops working on the next request once the link is revoked or has expired, cookie or not', async () => {
    const t = await tenantWithToken();
    const revoked = await openLink(t.slug);
    expect((await app(revoked.jar, `/setup/${t.slug}`)).status).toBe(200);
    await revokeSetupLink(db(), announce, await tenantRow(t.slug), revoked.id);
    await refusal(await app(revoked.jar, `/setup/${t.slug}`));
    await refusal(await app(revoked.jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM }));
    expect(await tokenCount(t.tenant.id)).toBe(1);

    const expiring = await openLink(t.slug);
    await db().update(setupLinks).set({ expiresAt: new Date(Date.now() - 1000).toISOString() }).where(eq(setupLinks.id, expiring.id));
    await refusal(await app(expiring.jar, `/setup/${t.slug}`));
  });

  it("does not open another tenant's page with one tenant's cookie", async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const { jar } = await openLink(a.slug);
    await refusal(await app(jar, `/setup/${b.slug}`));
    // Even renamed to B's cookie, A's sealed value does not open (its cookie name is sealed in).
    const value = jar.cookies.get(`__Host-eid_setup_${a.slug}`)!;
    const forged = new CookieJar();
    forged.cookies.set(`__Host-eid_setup_${b.slug}`, value);
    await refusal(await app(forged, `/setup/${b.slug}`));
    await refusal(await app(forged, `/setup/${b.slug}/scim-token`, { method: 'POST', headers: FORM }));
    expect(await tokenCount(b.tenant.id)).toBe(1);
  });
});

describe('POST /setup/:tenant/connection', () => {
  it('requires SSO when its box is checked (for a provider that checks out), shows it, and lifts it when unchecked', async () => {
    const scenario = await fakeScenario();
    const t = await tenantWithToken();
    const { jar } = await openLink(t.slug);
    const fields = { issuer: scenario.issuer, clientId: scenario.clientId, clientSecret: scenario.clientSecret, tokenAuthMethod: 'client_secret_basic' };
    expect((await postForm(jar, t.slug, { ...fields, requireSso: 'on' })).status).toBe(303);
    expect((await getConnectionInfo(db(), t.tenant.id))!.requireSso).toBe(true);
    const page = await (await app(jar, `/setup/${t.slug}`)).text();
    expect(page).toContain('yes: everyone signs in through Okta');
    expect(page).toMatch(/<input name="requireSso" type="checkbox" checked>/);
    expect((await postForm(jar, t.slug, fields)).status).toBe(303);
    expect((await getConnectionInfo(db(), t.tenant.id))!.requireSso).toBe(false);
  });


  it('refuses a cross-site POST (foreign Origin, or no Origin and no same-origin Fetch Metadata) and saves nothing', async () => {
    const scenario = await fakeScenario();
    const t = await tenantWithToken();
    const { jar } = await openLink(t.slug);
    const fields = { issuer: scenario.issuer, clientId: scenario.clientId, clientSecret: scenario.clientSecret, tokenAuthMethod: 'client_secret_basic' };
    for (const headers of [
      { ...FORM, origin: 'https://evil.example' } as Record<string, string>,
      { 'content-type': FORM['content-type'] },
      { 'content-type': FORM['content-type'], 'sec-fetch-site': 'cross-site' },
      { 'content-type': FORM['content-type'], origin: 'null' },
      { 'content-type': FORM['content-type'], origin: 'null', 'sec-fetch-site': 'cross-site' },
      { ...FORM, origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    ]) {
      const response = await postForm(jar, t.slug, fields, headers);
      expect(response.status).toBe(403);
      expect(await response.text()).toContain('Changes must be made from the setup page itself.');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(await getConnectionInfo(db(), t.tenant.id)).toBeUndefined();
    const scim = await app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: { 'content-type': FORM['content-type'], origin: 'https://evil.example' } });
    expect(scim.status).toBe(403);
    expect(await tokenCount(t.tenant.id)).toBe(1);
    // Fetch Metadata alone (a browser that sends no Origin) is enough, and so is Origin null beside it (our no-referrer pages).
    expect((await postForm(jar, t.slug, fields, { 'content-type': FORM['content-type'], 'sec-fetch-site': 'same-origin' })).status).toBe(303);
    expect((await postForm(jar, t.slug, fields, { 'content-type': FORM['content-type'], origin: 'null', 'sec-fetch-site': 'same-origin' })).status).toBe(303);
  });

  it('saves a connection the provider check passes (secret sealed, audited as the link) and sign-in then starts', async () => {
    const scenario = await fakeScenario();
    const t = await tenantWithToken();
    const { jar, id } = await openLink(t.slug);
    const saved = await postForm(jar, t.slug, { issuer: scenario.issuer, clientId: scenario.clientId, clientSecret: scenario.clientSecret, tokenAuthMethod: 'client_secret_post' });
    expect(saved.status).toBe(303);
    expect(location(saved)).toBe(`/setup/${t.slug}?saved=connection`);
    const page = await (await app(jar, location(saved))).text();
    expect(page).toContain('Saved: the connection works and sign-in is on.');
    expect(page).toContain(`${TEST_APP_ORIGIN}/auth/${t.slug}/login`);
    expect(page).not.toContain(scenario.clientSecret);

    const row = await db().select().from(oidcConnections).where(eq(oidcConnections.tenantId, t.tenant.id)).get();
    expect(row).toMatchObject({ issuer: scenario.issuer, clientId: scenario.clientId, tokenAuthMethod: 'client_secret_post' });
    expect(row!.clientSecretEncrypted).toMatch(/^v1\./);
    expect(row!.clientSecretEncrypted).not.toContain(scenario.clientSecret);
    expect(await openClientSecret(env.SECRETS_KEY, (await loadSignInSetup(db(), { slug: t.slug }))!.connection!)).toBe(scenario.clientSecret);
    expect(await auditRows(t.tenant.id)).toContainEqual({ actor: `setup:${id}`, action: 'oidc.create', outcome: 'success', detail: 'issuer, clientId, tokenAuthMethod, requireSso, clientSecret set' }); // the form always sends its SSO checkbox

    const login = await app(new CookieJar(), `/auth/${t.slug}/login`);
    expect(login.status).toBe(302);
    expect(location(login).startsWith(`${scenario.issuer}/`)).toBe(true);
    expect(new URL(location(login)).searchParams.get('client_id')).toBe(scenario.clientId);
  });

  it('keeps the stored secret when the field is left empty, and drops it for a public client', async () => {
    const scenario = await fakeScenario();
    const t = await tenantWithToken();
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { issuer: scenario.issuer, clientId: scenario.clientId, clientSecret: scenario.clientSecret }, true);
    const { jar } = await openLink(t.slug);
    expect((await postForm(jar, t.slug, { issuer: scenario.issuer, clientId: 'renamed-client', clientSecret: '', tokenAuthMethod: 'client_secret_basic' })).status).toBe(303);
    const reloaded = (await loadSignInSetup(db(), { slug: t.slug }))!.connection!;
    expect(reloaded).toMatchObject({ clientId: 'renamed-client' });
    expect(await openClientSecret(env.SECRETS_KEY, reloaded)).toBe(scenario.clientSecret);
    expect((await postForm(jar, t.slug, { issuer: scenario.issuer, clientId: 'spa-client', clientSecret: 'ignored', tokenAuthMethod: 'none' })).status).toBe(303);
    expect(await getConnectionInfo(db(), t.tenant.id)).toMatchObject({ clientId: 'spa-client', tokenAuthMethod: 'none', hasClientSecret: false });
    expect(await (await app(jar, `/setup/${t.slug}`)).text()).toMatch(/<th align="left">Client secret<\/th><td>not set<\/td>/);
  });

  it("saves nothing when the provider check fails or the store's issuer rules refuse, and lists why on the page", async () => {
    const t = await tenantWithToken();
    const { jar, id } = await openLink(t.slug);
    const gone = `${inject('fakeOpBase')}/s/no-such-issuer`;
    const failed = await postForm(jar, t.slug, { issuer: gone, clientId: 'c<lient>', clientSecret: 'never-shown', tokenAuthMethod: 'client_secret_basic' });
    expect(failed.status).toBe(422);
    expect(failed.headers.get('cache-control')).toBe('no-store');
    const body = await failed.text();
    expect(body).toContain('Nothing was saved');
    expect(body).toMatch(/<li>discovery at .*no-such-issuer.* failed/);
    expect(body).toContain(`value="${gone}"`);
    expect(body).toContain('value="c&lt;lient&gt;"');
    expect(body).not.toContain('never-shown');
    expect(await getConnectionInfo(db(), t.tenant.id)).toBeUndefined();
    expect(await auditRows(t.tenant.id)).toContainEqual(expect.objectContaining({ actor: `setup:${id}`, action: 'oidc.update', outcome: 'failure', detail: expect.stringMatching(/discovery at .* failed/) }));

    const http = await postForm(jar, t.slug, { issuer: 'http://acme.okta.com', clientId: 'c', clientSecret: 's', tokenAuthMethod: 'client_secret_basic' });
    expect(http.status).toBe(422);
    expect(await http.text()).toContain('<li>issuer &quot;http://acme.okta.com&quot; must use https://</li>');
    expect(await getConnectionInfo(db(), t.tenant.id)).toBeUndefined();
  });

  it('answers a malformed form with a plain 400 page', async () => {
    const t = await tenantWithToken();
    const { jar } = await openLink(t.slug);
    const response = await postForm(jar, t.slug, { issuer: 'https://acme.okta.com', tokenAuthMethod: 'client_secret_jwt' });
    expect(response.status).toBe(400);
    const body = await response.text();
    expect(body).toContain('<h1>Setup failed</h1>');
    expect(body).toContain('This setup request is malformed');
    expect(await getConnectionInfo(db(), t.tenant.id)).toBeUndefined();
  });
});

describe('POST /setup/:tenant/scim-token', () => {
  it('shows a new token once, turns SCIM on, and the token then reads the SCIM API', async () => {
    const t = await tenantWithToken({ scimEnabled: false });
    const { jar, id } = await openLink(t.slug);
    const response = await app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM });
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const body = await response.text();
    const token = /<code[^>]*>(eid_scim_[A-Za-z0-9_-]{43})<\/code>/.exec(body)?.[1];
    expect(token).toBeDefined();
    for (const text of [
      'Secure Web Authentication',
      'Provisioning: SCIM',
      `${TEST_APP_ORIGIN}/scim/v2/${t.slug}`,
      'Push New Users, Push Profile Updates, Push Groups',
      'Tenant URL',
      '<strong>HTTP Header</strong>',
      'shown only this once',
      'user.getInternalProperty("id")',
      'Federation Broker Mode',
    ])
      expect(body).toContain(text);

    expect((await findTenantBySlug(db(), t.slug))!.scimEnabled).toBe(true);
    expect((await scimClient(t.slug, token!).get('/Users')).status).toBe(200);
    expect(await auditRows(t.tenant.id)).toEqual(expect.arrayContaining([
      expect.objectContaining({ actor: `setup:${id}`, action: 'token.create' }),
      expect.objectContaining({ actor: `setup:${id}`, action: 'scim.enable' }),
    ]));
    const page = await (await app(jar, `/setup/${t.slug}`)).text();
    expect(page).not.toContain(token);
    expect(page).toContain('<strong>enabled</strong>');

    // SCIM already on: a second token leaves it on and writes no second scim.enable.
    expect((await app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM })).status).toBe(200);
    expect(await tokenCount(t.tenant.id)).toBe(3);
    expect((await auditRows(t.tenant.id)).filter((r) => r.action === 'scim.enable' && r.actor === `setup:${id}`)).toHaveLength(1);
  });
});

describe('SCIM tokens a setup link issues', () => {
  it('expire after a year, are listed with their link, at most 3 live, and die with the link', async () => {
    const t = await tenantWithToken({ scimEnabled: false });
    const { jar, id } = await openLink(t.slug);
    const issue = async () => {
      const response = await app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM });
      const body = await response.text();
      return { status: response.status, body, token: /<code[^>]*>(eid_scim_[A-Za-z0-9_-]{43})<\/code>/.exec(body)?.[1] };
    };
    const first = await issue();
    expect(first.status).toBe(200);
    expect(first.body).toContain('if the link is revoked, this token stops working too');
    const rows = await db().select().from(scimTokens).where(eq(scimTokens.setupLinkId, id)).all();
    expect(rows).toHaveLength(1);
    const lifetime = Date.parse(rows[0]!.expiresAt!) - Date.parse(rows[0]!.createdAt);
    expect(lifetime).toBe(365 * 86400_000);

    const second = await issue();
    const third = await issue();
    const fourth = await issue();
    expect([second.status, third.status]).toEqual([200, 200]);
    expect(fourth.status).toBe(422);
    expect(fourth.token).toBeUndefined();
    expect(fourth.body).toContain('this setup link has issued 3 live SCIM tokens already');
    expect(await tokenCount(t.tenant.id)).toBe(4);

    const [listed] = await listSetupLinks(db(), await tenantRow(t.slug));
    expect(listed).toMatchObject({ id, liveTokens: rows.map((r) => r.id).concat(expect.any(String), expect.any(String)) });
    expect(listed!.liveTokens).toHaveLength(3);

    for (const { token } of [first, second, third]) expect((await scimClient(t.slug, token!).get('/Users')).status).toBe(200);
    await revokeSetupLink(db(), announce, await tenantRow(t.slug), id);
    for (const { token } of [first, second, third]) expect((await scimClient(t.slug, token!).get('/Users')).status).toBe(401);
    // The operator's own token is not the link's and keeps working.
    expect((await t.scim.get('/Users')).status).toBe(200);
    expect((await listSetupLinks(db(), await tenantRow(t.slug)))[0]!.liveTokens).toEqual([]);
    expect((await auditRows(t.tenant.id)).find((r) => r.action === 'setup-link.revoke')!.detail).toMatch(/^revoked its SCIM tokens tok_/);
  });

  it('holds the cap when many requests race for tokens', async () => {
    const t = await tenantWithToken();
    const { jar } = await openLink(t.slug);
    const statuses = await Promise.all(Array.from({ length: 8 }, () => app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM }).then((r) => r.status)));
    expect(statuses.filter((s) => s === 200)).toHaveLength(3);
    expect(statuses.filter((s) => s === 422)).toHaveLength(5);
    expect(await tokenCount(t.tenant.id)).toBe(4);
  });
});

describe('SCIM switched on from the setup page', () => {
  it('turns JIT sign-in off, so SCIM alone decides who exists', async () => {
    const t = await tenantWithToken({ scimEnabled: false });
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { issuer: 'https://acme.okta.com', clientId: 'client', clientSecret: 'secret' }, false);
    expect((await getConnectionInfo(db(), t.tenant.id))!.jit).toBe(true);
    const { jar, id } = await openLink(t.slug);
    expect((await app(jar, `/setup/${t.slug}/scim-token`, { method: 'POST', headers: FORM })).status).toBe(200);
    expect((await getConnectionInfo(db(), t.tenant.id))!.jit).toBe(false);
    expect(await auditRows(t.tenant.id)).toEqual(expect.arrayContaining([expect.objectContaining({ actor: `setup:${id}`, action: 'oidc.update', detail: 'jit off: SCIM provisioning enabled' })]));
  });
});
