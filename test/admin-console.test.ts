/**
 * The tenant admin console's rules, in workerd: who gets in (a session of that tenant only), who
 * may change (the configuring role), CSRF and framing defences, and that each change goes through
 * the stores: a token made here provisions until revoked here, a refused connection saves nothing.
 * The browser walk-through is node/admin-console-browser.
 */
import { and, eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { auditLog } from '../src/db/schema.ts';
import { getConnectionInfo } from '../src/oidc/connection-store.ts';
import { setConfiguringRole, setDefaultRole } from '../src/tenants/role-mappings.ts';
import { oktaSetActive } from './support/okta-bodies.ts';
import { app, CookieJar, oktaIssuer, signedInOktaUser, TEST_APP_ORIGIN } from './support/sign-in.ts';
import { createSetupLink, revokeSetupLink } from '../src/tenants/setup-links.ts';
import { db, scimClient, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

const FORM = { 'content-type': 'application/x-www-form-urlencoded', origin: TEST_APP_ORIGIN };
const post = (jar: CookieJar, path: string, fields: Record<string, string>, headers: Record<string, string> = FORM) => app(jar, path, { method: 'POST', headers, body: new URLSearchParams(fields) });

/** A signed-in Okta user of a fresh tenant whose default role is `role`. */
async function signedInAs(role: string) {
  const t = await signedInOktaUser();
  await setDefaultRole(db(), await tenantRow(t.slug), role);
  return t;
}

describe('who gets in', () => {
  it('without a session: the tenant sign-in, coming back to the same page; POSTs are 403', async () => {
    const t = await signedInAs('admin');
    const anonymous = new CookieJar();
    const res = await app(anonymous, `/admin/${t.slug}/users?status=active`);
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`/auth/${t.slug}/login?return_to=${encodeURIComponent('/admin/' + t.slug + '/users?status=active')}`);
    expect((await post(anonymous, `/admin/${t.slug}/provisioning/tokens`, { label: 'x' })).status).toBe(403);
  });

  it("a session of tenant A never opens tenant B's console", async () => {
    const a = await signedInAs('owner');
    const b = await signedInAs('owner');
    expect((await app(a.jar, `/admin/${a.slug}/provisioning`)).status).toBe(200);
    const other = await app(a.jar, `/admin/${b.slug}/provisioning`);
    expect(other.status).toBe(302);
    expect(other.headers.get('location')).toMatch(new RegExp(`^/auth/${b.slug}/login`));
    expect((await post(a.jar, `/admin/${b.slug}/provisioning/tokens`, { label: 'stolen' })).status).toBe(403);
    expect((await db().select().from(auditLog).where(and(eq(auditLog.tenantId, b.tenant.id), eq(auditLog.action, 'token.create'))).all()).map((r) => r.actor)).not.toContain(`admin:${a.userId}`);
  });

  it('a person SCIM deactivates is out on the next request', async () => {
    const t = await signedInAs('admin');
    expect((await app(t.jar, `/admin/${t.slug}/users`)).status).toBe(200);
    expect((await t.scim.patch(`/Users/${t.userId}`, oktaSetActive(false))).status).toBe(200);
    expect((await app(t.jar, `/admin/${t.slug}/users`)).status).toBe(302);
  });

  it('the holder of a live setup link gets in before SSO works, and is out once the link is revoked', async () => {
    const t = await tenantWithToken();
    const { info, key } = await createSetupLink(db(), t.tenant);
    const jar = new CookieJar();
    expect((await post(jar, `/setup/${t.slug}/open`, { key })).status).toBe(200);
    const page = await app(jar, `/admin/${t.slug}/provisioning`);
    expect(page.status).toBe(200);
    expect(await page.text()).not.toContain('Changing them needs');
    expect((await post(jar, `/admin/${t.slug}/provisioning/tokens`, { label: 'from-setup' })).status).toBe(200);
    const [row] = await db().select().from(auditLog).where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, 'token.create'), eq(auditLog.actor, `setup:${info.id}`))).all();
    expect(row).toBeDefined();
    // Another tenant's console is not opened by this link.
    const other = await tenantWithToken();
    expect((await app(jar, `/admin/${other.slug}/provisioning`)).status).toBe(302);
    await revokeSetupLink(db(), announce, t.tenant, info.id);
    expect((await app(jar, `/admin/${t.slug}/provisioning`)).status).toBe(302);
  });

  it('pages are private: strict CSP with no inline code, not framable, never cached', async () => {
    const t = await signedInAs('viewer');
    const res = await app(t.jar, `/admin/${t.slug}/authentication`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    const html = await res.text();
    expect(html).not.toMatch(/<script>|<style>| on\w+="/);
    expect((await app(t.jar, '/admin/assets/console.css')).headers.get('content-type')).toBe('text/css; charset=utf-8');
  });
});

describe('who may change', () => {
  it('below the configuring role: every page read-only, no edit controls, every POST 403', async () => {
    const t = await signedInAs('editor');
    for (const section of ['authentication', 'provisioning', 'users', 'roles']) {
      const res = await app(t.jar, `/admin/${t.slug}/${section}`);
      expect(res.status, section).toBe(200);
      const html = await res.text();
      expect(html, section).toContain('Changing them needs the admin role or higher');
      expect(html, section).not.toMatch(/<button type="submit"(?! class="secondary">(Sign out|Apply))/);
    }
    for (const [path, fields] of [
      [`/admin/${t.slug}/provisioning/tokens`, { label: 'x' }],
      [`/admin/${t.slug}/provisioning/scim`, {}],
      [`/admin/${t.slug}/roles/map`, { groupName: 'G', role: 'owner' }],
      [`/admin/${t.slug}/authentication`, { issuer: oktaIssuer(), clientId: 'x', tokenAuthMethod: 'none', scopes: 'openid', groupsClaim: 'groups', groupsFilter: '.*' }],
    ] as const) {
      const res = await post(t.jar, path, fields);
      expect(res.status, path).toBe(403);
      expect(await res.text()).toContain('needs the admin role or higher');
    }
  });

  it('the configuring role is per tenant, in its own catalogue', async () => {
    const t = await signedInAs('editor');
    await setConfiguringRole(db(), await tenantRow(t.slug), 'editor');
    expect(await (await app(t.jar, `/admin/${t.slug}/roles`)).text()).not.toContain('Changing them needs');
    expect((await post(t.jar, `/admin/${t.slug}/roles/map`, { groupName: 'Okta Admins', role: 'admin' })).status).toBe(303);
  });

  it('a cross-site POST is 403 even for an admin', async () => {
    const t = await signedInAs('admin');
    expect((await post(t.jar, `/admin/${t.slug}/provisioning/tokens`, { label: 'x' }, { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' })).status).toBe(403);
  });
});

describe('changes through the stores', () => {
  it('a token created here is shown once, provisions, and stops when revoked here', async () => {
    const t = await signedInAs('admin');
    const created = await post(t.jar, `/admin/${t.slug}/provisioning/tokens`, { label: 'okta-console' });
    expect(created.status).toBe(200);
    const token = /eid_scim_[A-Za-z0-9_-]{43}/.exec(await created.text())?.[0];
    expect(token).toBeDefined();
    const scim = scimClient(t.slug, token!);
    expect((await scim.get('/Users')).status).toBe(200);
    const page = await (await app(t.jar, `/admin/${t.slug}/provisioning`)).text();
    expect(page).not.toContain(token!);
    const tokenId = new RegExp(`/admin/${t.slug}/provisioning/tokens/(tok_[0-9a-f]+)/revoke`).exec(page)?.[1];
    const [row] = await db().select().from(auditLog).where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, 'token.create'), eq(auditLog.resourceId, tokenId!))).all();
    expect(row?.actor).toBe(`admin:${t.userId}`);
    const revoked = await post(t.jar, `/admin/${t.slug}/provisioning/tokens/${tokenId}/revoke`, {});
    expect(revoked.status).toBe(303);
    expect((await scim.get('/Users')).status).toBe(401);
    // Twice: the reason, on the page.
    const again = await post(t.jar, `/admin/${t.slug}/provisioning/tokens/${tokenId}/revoke`, {});
    expect(again.status).toBe(422);
    expect(await again.text()).toContain('was already revoked');
  });

  it('a connection that does not check out is refused with the reasons and nothing is saved', async () => {
    const t = await signedInAs('admin');
    const before = await getConnectionInfo(db(), t.tenant.id);
    const res = await post(t.jar, `/admin/${t.slug}/authentication`, { issuer: 'http://127.0.0.1:9/nobody', clientId: 'c', clientSecret: 's', tokenAuthMethod: 'client_secret_basic', scopes: 'openid email', groupsClaim: 'groups', groupsFilter: '.*' });
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(html).toContain('Nothing was saved');
    expect(html).toContain('value="http://127.0.0.1:9/nobody"');
    expect(html).not.toContain('value="s"');
    expect(await getConnectionInfo(db(), t.tenant.id)).toEqual(before);
    const scopes = await post(t.jar, `/admin/${t.slug}/authentication`, { issuer: oktaIssuer(), clientId: before!.clientId, tokenAuthMethod: before!.tokenAuthMethod, scopes: 'email', groupsClaim: 'groups', groupsFilter: '.*' });
    expect(scopes.status).toBe(422);
    expect(await scopes.text()).toContain('must include &quot;openid&quot;');
  });

  it('a connection that checks out is saved (the secret kept when left empty) and audited as the admin', async () => {
    const t = await signedInAs('admin');
    const before = (await getConnectionInfo(db(), t.tenant.id))!;
    const res = await post(t.jar, `/admin/${t.slug}/authentication`, { issuer: oktaIssuer(), clientId: before.clientId, clientSecret: '', tokenAuthMethod: before.tokenAuthMethod, scopes: 'openid email profile groups', groupsClaim: 'groups', groupsFilter: '^Acme', requireSso: 'on' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/admin/${t.slug}/authentication?saved=connection`);
    expect(await getConnectionInfo(db(), t.tenant.id)).toMatchObject({ scopes: 'openid email profile groups', groupsFilter: '^Acme', requireSso: true, jit: false, hasClientSecret: true });
    const [row] = await db().select().from(auditLog).where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.action, 'oidc.update'), eq(auditLog.actor, `admin:${t.userId}`))).all();
    expect(row?.outcome).toBe('success');
    expect(await (await app(t.jar, `/admin/${t.slug}/authentication?saved=connection`)).text()).toContain('Saved: the provider checked out');
  });

  it('role settings are checked together: an unknown role saves neither', async () => {
    const t = await signedInAs('admin');
    const res = await post(t.jar, `/admin/${t.slug}/roles/settings`, { defaultRole: 'editor', configuringRole: 'superuser' });
    expect(res.status).toBe(422);
    expect(await res.text()).toContain('&quot;superuser&quot; is not a role of tenant');
    expect(await tenantRow(t.slug)).toMatchObject({ defaultRole: 'admin', configuringRole: 'admin' });
  });

  it('the users page lists the provisioned with email, externalId, role and status, searchable', async () => {
    const t = await signedInAs('admin');
    await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'zed@acme.test', externalId: '00uZED', active: false, emails: [{ value: 'zed@acme.test', primary: true }], name: { givenName: 'Zed', familyName: 'Zimmer' } });
    const all = await (await app(t.jar, `/admin/${t.slug}/users`)).text();
    expect(all).toContain('zed@acme.test');
    expect(all).toContain('00uZED');
    expect(all).toContain('Zed Zimmer');
    for (const q of ['ZED@acme.test', '00uZED']) {
      const found = await (await app(t.jar, `/admin/${t.slug}/users?q=${encodeURIComponent(q)}&status=deactivated`)).text();
      expect(found, q).toContain('zed@acme.test');
      expect(found, q).toContain('deactivated');
    }
    expect(await (await app(t.jar, `/admin/${t.slug}/users?q=zed%40acme.test&status=active`)).text()).toContain('No one matches.');
    expect(await (await app(t.jar, `/admin/${t.slug}/users?q=zed`)).text()).toContain('No one matches.');
    // Source and last sign-in, from the log: both made by SCIM; only the signed-in admin has signed in.
    expect(all).toMatch(/zed@acme\.test<\/a>.*?<td>SCIM<\/td><td class="mono">never<\/td>/s);
    expect(all).toMatch(new RegExp(`${t.account.login}</a>.*?<td>SCIM</td><td class="mono">\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}</td>`, 's'));
    // By group: its members only; a group no one has is said so.
    await t.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Night Shift', members: [{ value: t.userId }] });
    const shift = await (await app(t.jar, `/admin/${t.slug}/users?group=${encodeURIComponent('night shift')}`)).text();
    expect(shift).toContain(t.account.login);
    expect(shift).not.toContain('zed@acme.test');
    expect(await (await app(t.jar, `/admin/${t.slug}/users?group=Nobody`)).text()).toContain('There is no group &quot;Nobody&quot;.');
    // By effective role: zed is an editor by SCIM role; the admin is admin by default role here.
    const zedId = new RegExp('data-user-id="([^"]+)"><td class="mono"><a[^>]*>zed@acme').exec(all)?.[1];
    await t.scim.patch(`/Users/${zedId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'add', path: 'roles', value: [{ value: 'editor' }] }] });
    const editors = await (await app(t.jar, `/admin/${t.slug}/users?role=editor`)).text();
    expect(editors).toContain('zed@acme.test');
    expect(editors).not.toContain(`>${t.account.login}<`);
    const admins = await (await app(t.jar, `/admin/${t.slug}/users?role=admin`)).text();
    expect(admins).toContain(t.account.login);
    expect(admins).not.toContain('zed@acme.test');
    expect(await (await app(t.jar, `/admin/${t.slug}/users?role=root`)).text()).toContain('&quot;root&quot; is not a role of this tenant.');
    expect(await (await app(t.jar, `/admin/${t.slug}/users?q=${encodeURIComponent('" or userName pr or "')}`)).text()).toContain('No one matches.');
    expect((await app(t.jar, `/admin/${t.slug}/users?cursor=forged`)).status).toBe(400);
  });
});

describe('the other pages', () => {
  it("a user's page: attributes, groups, the role and why, recent activity", async () => {
    const t = await signedInAs('admin');
    const created = (await (await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'yan@acme.test', externalId: '00uYAN', roles: [{ value: 'editor' }] })).json()) as { id: string };
    await t.scim.post('/Groups', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Okta Admins', members: [{ value: created.id }, { value: t.userId }] });
    await post(t.jar, `/admin/${t.slug}/roles/map`, { groupName: 'okta admins', role: 'owner' });
    const yan = await (await app(t.jar, `/admin/${t.slug}/users/${created.id}`)).text();
    expect(yan).toContain('owner: from the mapping of okta admins to owner');
    expect(yan).toContain('Okta Admins');
    expect(yan).toContain('00uYAN');
    expect(yan).toContain('user.create');
    expect((await app(t.jar, `/admin/${t.slug}/users/nobody`)).status).toBe(404);
    const groups = await (await app(t.jar, `/admin/${t.slug}/groups`)).text();
    expect(groups).toMatch(/Okta Admins<\/a><\/td><td class="mono">—<\/td><td>2<\/td><td>owner<\/td>/);
    const groupId = new RegExp(`/admin/${t.slug}/groups/([0-9a-f-]+)"`).exec(groups)?.[1];
    const members = await (await app(t.jar, `/admin/${t.slug}/groups/${groupId}`)).text();
    expect(members).toContain('yan@acme.test');
    expect((await app(t.jar, `/admin/${t.slug}/groups/nope`)).status).toBe(404);
  });

  it('activity: newest first, filtered by kind, outcome and user, paged by a cursor it handed out', async () => {
    const t = await signedInAs('admin');
    for (let i = 0; i < 55; i++) await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `bulk${i}@acme.test` });
    await t.scim.post('/Users', { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'bulk0@acme.test' });
    await post(t.jar, `/admin/${t.slug}/provisioning/tokens`, { label: 'rotated' });
    const config = await (await app(t.jar, `/admin/${t.slug}/activity?kind=configuration`)).text();
    expect(config).toContain(`Admin ${t.account.login}`);
    expect(config).toContain('token.create');
    expect(config).not.toContain('user.create');
    const provisioning = await (await app(t.jar, `/admin/${t.slug}/activity?kind=provisioning`)).text();
    expect(provisioning.match(/<td class="mono">user\.create<\/td>/g)?.length).toBe(50);
    const older = /href="([^"]+cursor=[^"]+)">Older/.exec(provisioning)?.[1]?.replaceAll('&amp;', '&');
    expect(older).toBeDefined();
    const second = await (await app(t.jar, older!)).text();
    expect(second.match(/user\.create/g)?.length).toBeGreaterThan(0);
    expect(await (await app(t.jar, `/admin/${t.slug}/activity?outcome=failure&kind=provisioning`)).text()).toContain('409');
    const mine = await (await app(t.jar, `/admin/${t.slug}/activity?user=${t.userId}`)).text();
    expect(mine).toContain('signin');
    expect((await app(t.jar, `/admin/${t.slug}/activity?cursor=forged`)).status).toBe(400);
    expect((await app(t.jar, `/admin/${t.slug}/activity?from=yesterday`)).status).toBe(400);
    expect(await (await app(t.jar, `/admin/${t.slug}/activity?from=2999-01-01`)).text()).toContain('Nothing recorded matches.');
  });

  it('domains: claimed pending with the TXT record to publish, refused when malformed or taken, removed', async () => {
    const t = await signedInAs('admin');
    const other = await signedInAs('admin');
    const added = await post(t.jar, `/admin/${t.slug}/domains`, { domain: `${t.slug}.example.com` });
    expect(added.status).toBe(303);
    const page = await (await app(t.jar, `/admin/${t.slug}/domains`)).text();
    expect(page).toContain(`_edge-identity.${t.slug}.example.com`);
    expect(page).toContain('edge-identity-verification=');
    expect(page).toContain('not verified');
    const malformed = await post(t.jar, `/admin/${t.slug}/domains`, { domain: 'not a domain' });
    expect(malformed.status).toBe(422);
    expect(await malformed.text()).toContain('is not a domain name like acme.com');
    const taken = await post(other.jar, `/admin/${other.slug}/domains`, { domain: `${t.slug}.example.com` });
    expect(await taken.text()).toContain('already belongs to another tenant');
    expect((await post(t.jar, `/admin/${t.slug}/domains/remove`, { domain: `${t.slug}.example.com` })).status).toBe(303);
    expect(await (await app(t.jar, `/admin/${t.slug}/domains`)).text()).toContain('No domains yet.');
  });

  it('webhooks: an endpoint added shows its secret once; test, replay and remove go through the endpoint store', async () => {
    const t = await signedInAs('admin');
    const added = await post(t.jar, `/admin/${t.slug}/webhooks`, { url: 'http://127.0.0.1:9/hooks', events: 'user.*' });
    expect(added.status).toBe(200);
    const html = await added.text();
    const secret = /whsec_[A-Za-z0-9+/=]+/.exec(html)?.[0];
    expect(secret).toBeDefined();
    const page = await (await app(t.jar, `/admin/${t.slug}/webhooks`)).text();
    expect(page).toContain('http://127.0.0.1:9/hooks');
    expect(page).not.toContain(secret!);
    const id = /\/webhooks\/(whk_[0-9a-f]+)\/test/.exec(page)?.[1];
    expect((await post(t.jar, `/admin/${t.slug}/webhooks/${id}/test`, {})).status).toBe(303);
    const badReplay = await post(t.jar, `/admin/${t.slug}/webhooks/${id}/replay`, { from: '0' });
    expect(badReplay.status).toBe(422);
    expect(await badReplay.text()).toContain('1 or more');
    expect((await post(t.jar, `/admin/${t.slug}/webhooks/${id}/replay`, { from: '1' })).status).toBe(303);
    const refused = await post(t.jar, `/admin/${t.slug}/webhooks`, { url: 'ftp://example.com/x', events: '*' });
    expect(refused.status).toBe(422);
    expect((await post(t.jar, `/admin/${t.slug}/webhooks/${id}/remove`, {})).status).toBe(303);
    expect(await (await app(t.jar, `/admin/${t.slug}/webhooks`)).text()).toContain('No endpoints');
    const actions = (await db().select({ action: auditLog.action }).from(auditLog).where(and(eq(auditLog.tenantId, t.tenant.id), eq(auditLog.actor, `admin:${t.userId}`))).all()).map((r) => r.action);
    expect(actions).toEqual(expect.arrayContaining(['webhook.add', 'webhook.test', 'webhook.replay', 'webhook.remove']));
  });
});
