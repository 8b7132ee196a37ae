/**
 * Who may sign in and with which role: linking to SCIM users, JIT, deactivation and deletion
 * through SCIM (refused at sign-in, and revoking live sessions on the next /auth/session), and the
 * role from SCIM roles, SCIM groups and the filtered groups claim through the tenant's role map.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { roleMappings } from '../src/db/schema.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { setConnection } from '../src/oidc/connection-store.ts';
import { checkProvider } from '../src/oidc/provider-check.ts';
import { app, CookieJar, fakeScenario, fakeTenant, location, oktaAuthorize, oktaIssuer, signInAudit, ssoTenant } from './support/sign-in.ts';
import { oktaAddMembers, oktaNewGroup, oktaNewUser, oktaSetActive } from './support/okta-bodies.ts';
import { db, tenantRow } from './support/tenants.ts';

const [alice, bob] = OKTA_ACCOUNTS as [(typeof OKTA_ACCOUNTS)[0], (typeof OKTA_ACCOUNTS)[0]];
const client = OKTA_CLIENTS.basic;

/** A tenant on the Okta-like provider, optionally with `person` provisioned through SCIM. */
async function oktaTenant(options: { jit?: boolean; groupsFilter?: string; mappings?: Record<string, string> } = {}) {
  const t = await ssoTenant({ issuer: oktaIssuer(), clientId: client.clientId, clientSecret: client.clientSecret, jit: options.jit ?? false, ...(options.groupsFilter ? { groupsFilter: options.groupsFilter } : {}) });
  const at = new Date().toISOString();
  for (const [groupName, role] of Object.entries(options.mappings ?? {})) await db().insert(roleMappings).values({ tenantId: t.tenant.id, groupName, role, createdAt: at });
  const jar = new CookieJar();
  return {
    ...t,
    jar,
    async provision(person: typeof alice, extra: Record<string, unknown> = {}): Promise<string> {
      const created = await t.scim.post('/Users', oktaNewUser(person.login, { externalId: person.sub, ...extra }));
      expect(created.status, await created.clone().text()).toBe(201);
      return ((await created.json()) as { id: string }).id;
    },
    async signIn(person: typeof alice): Promise<Response> {
      const start = await app(jar, `/auth/${t.slug}/login`);
      return app(jar, await oktaAuthorize(location(start), person.login));
    },
    async session(): Promise<{ status: number; body: Record<string, unknown> }> {
      const response = await app(jar, '/auth/session');
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    },
  };
}

describe('role binding at sign-in', () => {
  it('maps a group from the ID token groups claim to a role (case-insensitive)', async () => {
    const t = await oktaTenant({ mappings: { 'acme admins': 'admin', everyone: 'editor' } });
    await t.provision(alice);
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ role: 'admin', groups: ['Everyone', 'Acme Admins'] });
  });

  it("applies the tenant's groups filter (whole-name regex) before mapping", async () => {
    const t = await oktaTenant({ groupsFilter: 'Eng.*', mappings: { Everyone: 'editor' } });
    await t.provision(bob);
    expect((await t.signIn(bob)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ role: 'viewer', groups: ['Engineering'] });
  });

  it('takes the highest of SCIM roles and roles mapped from SCIM groups; changes show on the next call', async () => {
    const t = await oktaTenant({ groupsFilter: 'none-of-them', mappings: { 'Project Leads': 'admin' } });
    const userId = await t.provision(alice, { roles: [{ value: 'editor' }] });
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ role: 'editor', groups: [] });

    const group = await t.scim.post('/Groups', oktaNewGroup('Project Leads'));
    expect(group.status).toBe(201);
    const groupId = ((await group.json()) as { id: string }).id;
    expect((await t.scim.patch(`/Groups/${groupId}`, oktaAddMembers([{ value: userId, display: alice.login }]))).status).toBeLessThan(300);
    expect((await t.session()).body).toMatchObject({ role: 'admin', groups: ['Project Leads'] });

    const demoted = await t.scim.patch(`/Users/${userId}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'roles', value: [{ value: 'owner' }] }] });
    expect(demoted.status).toBeLessThan(300);
    expect((await t.session()).body).toMatchObject({ role: 'owner' });
  });

  it("falls back to the tenant's default role", async () => {
    const t = await oktaTenant();
    await t.provision(alice);
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ role: 'viewer' });
  });
});

describe('SCIM lifecycle and sessions', () => {
  it('refuses a person deactivated through SCIM with a clear page', async () => {
    const t = await oktaTenant();
    const userId = await t.provision(alice);
    expect((await t.scim.patch(`/Users/${userId}`, oktaSetActive(false))).status).toBeLessThan(300);
    const refused = await t.signIn(alice);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/deactivated/);
    expect((await t.session()).status).toBe(401);
  });

  it('revokes a live session on the next /auth/session after SCIM deactivation, for good', async () => {
    const t = await oktaTenant();
    const userId = await t.provision(alice);
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).status).toBe(200);
    expect((await t.scim.patch(`/Users/${userId}`, oktaSetActive(false))).status).toBeLessThan(300);
    expect((await t.session()).status).toBe(401);
    // The session was deleted, not just hidden: reactivation does not bring it back.
    expect((await t.scim.patch(`/Users/${userId}`, oktaSetActive(true))).status).toBeLessThan(300);
    expect((await t.session()).status).toBe(401);
  });

  it('revokes a live session when the user is deleted through SCIM', async () => {
    const t = await oktaTenant();
    const userId = await t.provision(alice);
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.scim.delete(`/Users/${userId}`)).status).toBe(204);
    expect((await t.session()).status).toBe(401);
  });
});

describe('claim groups beside SCIM groups', () => {
  it('lets the SCIM membership of a group SCIM knows decide, on the next call; claim groups SCIM does not know still count', async () => {
    const t = await oktaTenant({ mappings: { 'Acme Admins': 'admin', Everyone: 'editor' } });
    const userId = await t.provision(alice);
    const group = (await (await t.scim.post('/Groups', oktaNewGroup('Acme Admins'))).json()) as { id: string };
    expect((await t.scim.patch(`/Groups/${group.id}`, oktaAddMembers([{ value: userId, display: alice.login }]))).status).toBeLessThan(300);
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ role: 'admin', groups: ['Acme Admins', 'Everyone'] });
    // Okta removes alice from the group and pushes it: her ID token from sign-in still lists it, SCIM no longer does.
    const removal = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'remove', path: `members[value eq "${userId}"]` }] };
    expect((await t.scim.patch(`/Groups/${group.id}`, removal)).status).toBeLessThan(300);
    expect((await t.session()).body).toMatchObject({ role: 'editor', groups: ['Everyone'] });
  });
});

describe('the groups claim from an Okta org authorization server', () => {
  /** A tenant on the fake provider mapping "Okta Admins" to admin, its person in that group. */
  async function groupsTenant(knobs: Parameters<typeof fakeScenario>[0]) {
    const scenario = await fakeScenario({ ...knobs, account: { email: 'ivy@fake.test', email_verified: true, groups: ['Everyone', 'Okta Admins'], ...knobs?.account } });
    const t = await fakeTenant(scenario);
    await db().insert(roleMappings).values({ tenantId: t.tenant.id, groupName: 'Okta Admins', role: 'admin', createdAt: new Date().toISOString() });
    const session = async () => (await (await app(t.jar, '/auth/session')).json()) as { role: string; groups: string[] };
    return { scenario, t, session };
  }

  it('asks for the groups scope when discovery lists it, so the claim comes and the mapped role applies', async () => {
    const { scenario, t, session } = await groupsTenant({ scopesSupported: ['openid', 'email', 'profile', 'groups'], groupsNeedScope: true });
    expect((await t.signIn()).response.status).toBe(302);
    expect((await scenario.log()).lastAuthorizeParams.scope).toBe('openid email profile groups');
    expect(await session()).toMatchObject({ role: 'admin', groups: ['Everyone', 'Okta Admins'] });
  });

  it('does not ask for an unannounced groups scope, and reads the claim from userinfo when the ID token lacks it', async () => {
    const { scenario, t, session } = await groupsTenant({ scopesSupported: ['openid', 'email', 'profile'], idToken: { claims: { groups: null } } });
    expect((await t.signIn()).response.status).toBe(302);
    const log = await scenario.log();
    expect(log.lastAuthorizeParams.scope).toBe('openid email profile');
    expect(log.userinfoRequests).toBe(1);
    expect(await session()).toMatchObject({ role: 'admin', groups: ['Everyone', 'Okta Admins'] });
  });

  it('says in oidc test whether groups will arrive, and why not', async () => {
    const withScope = await fakeScenario({ scopesSupported: ['openid', 'groups'] });
    const without = await fakeScenario({ scopesSupported: ['openid'] });
    const settings = { clientId: 'fake-client', tokenAuthMethod: 'client_secret_basic' as const, scopes: 'openid', groupsClaim: 'groups', groupsFilter: '.*', jit: false, hmacIdTokens: false, trustUnverifiedEmail: false, linkPreferredUsername: false, requireSso: false };
    expect((await checkProvider({ ...settings, issuer: withScope.issuer }, true)).notes).toContain('groups: sign-in asks for the "groups" scope, so the "groups" claim arrives in the ID token or from userinfo');
    expect((await checkProvider({ ...settings, issuer: without.issuer }, true)).notes.find((n) => n.startsWith('groups:'))).toMatch(/announces no "groups" scope.*group → role mappings never apply/);
  });
});

describe('linking and just-in-time provisioning', () => {
  it('refuses an unknown person when JIT is off', async () => {
    const t = await oktaTenant({ jit: false });
    const refused = await t.signIn(alice);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/ask your administrator to assign you/);
  });

  it('creates the user through the tenant object when JIT is on, and links to it afterwards', async () => {
    const t = await oktaTenant({ jit: true });
    expect((await t.signIn(alice)).status).toBe(302);
    const { body } = await t.session();
    expect(body).toMatchObject({ user: { userName: alice.login, email: alice.email, externalId: alice.sub, name: 'Alice Anders' } });
    const listed = await t.scim.get(`/Users?filter=${encodeURIComponent(`externalId eq "${alice.sub}"`)}`);
    expect(await listed.json()).toMatchObject({ totalResults: 1, Resources: [{ userName: alice.login, active: true }] });
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ user: { id: (body.user as { id: string }).id } });
  });

  it('links an unbound user by verified email (userName or an email, case-insensitive), then binds the subject', async () => {
    const t = await oktaTenant();
    const created = await t.scim.post('/Users', oktaNewUser(alice.login.toUpperCase(), { externalId: undefined }));
    const userId = ((await created.json()) as { id: string }).id;
    expect((await t.signIn(alice)).status).toBe(302);
    expect((await t.session()).body).toMatchObject({ user: { id: userId } });
    const bound = await env.DB.prepare('SELECT issuer, subject, user_id FROM signin_subjects WHERE tenant_id = ?').bind(t.tenant.id).all();
    expect(bound.results).toEqual([{ issuer: oktaIssuer(), subject: alice.sub, user_id: userId }]);
    expect((await signInAudit(t.tenant.id))[0]!.detail).toMatch(/linked by userName or email$/);
  });

  // Changed expectation: this used to sign alice's subject into a user whose externalId names another
  // identity; an externalId is that identity's binding, so matching name or email must not override it.
  it('refuses a user whose externalId is another subject, though userName and email match', async () => {
    const t = await oktaTenant();
    await t.provision(alice, { userName: alice.login.toUpperCase(), externalId: 'entra-object-id-123' });
    const refused = await t.signIn(alice);
    expect(refused.status).toBe(403);
    expect(await refused.text()).toMatch(/linked to a different sign-in identity/);
    expect((await t.session()).status).toBe(401);
  });

  it('refuses a second subject with the same verified email once the first is bound', async () => {
    const first = await fakeScenario({ account: { email: 'erin@fake.test', email_verified: true } });
    const t = await fakeTenant(first, { user: false });
    expect((await t.scim.post('/Users', oktaNewUser('erin@fake.test', { externalId: undefined }))).status).toBe(201);
    expect((await t.signIn()).response.status).toBe(302);
    // Another person at the same provider now claims erin's address (a renamed account, a recycled mailbox).
    await first.update({ account: { sub: '00uSOMEONEELSE000001', email: 'erin@fake.test', email_verified: true } });
    const second = await t.signIn('/home', new CookieJar());
    expect(second.response.status).toBe(403);
    expect(await second.response.text()).toMatch(/linked to a different sign-in identity/);
  });
  it('does not link by an email the provider marks unverified', async () => {
    const scenario = await fakeScenario({ account: { email: 'dana@fake.test', email_verified: false } });
    const t = await fakeTenant(scenario, { user: false });
    const created = await t.scim.post('/Users', oktaNewUser('dana@fake.test', { externalId: undefined }));
    expect(created.status).toBe(201);
    expect((await t.signIn()).response.status).toBe(403);
  });

  it('treats an absent email_verified (Entra) as unverified unless the connection trusts unverified emails', async () => {
    const scenario = await fakeScenario({ account: { email: 'frank@fake.test' } });
    const t = await fakeTenant(scenario, { user: false });
    expect((await t.scim.post('/Users', oktaNewUser('frank@fake.test', { externalId: undefined }))).status).toBe(201);
    expect((await t.signIn()).response.status).toBe(403);
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { trustUnverifiedEmail: true }, true);
    expect((await t.signIn()).response.status).toBe(302);
  });

  it('links by preferred_username only when the connection opts in', async () => {
    const scenario = await fakeScenario({ account: { preferred_username: 'gwen.login', email: 'gwen@elsewhere.test', email_verified: true } });
    const t = await fakeTenant(scenario, { user: false });
    expect((await t.scim.post('/Users', oktaNewUser('Gwen.Login', { externalId: undefined, emails: [] }))).status).toBe(201);
    expect((await t.signIn()).response.status).toBe(403);
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { linkPreferredUsername: true }, true);
    expect((await t.signIn()).response.status).toBe(302);
  });

  it('stores no unverified email on a JIT user', async () => {
    const scenario = await fakeScenario({ account: { preferred_username: 'hank.login', email: 'hank@fake.test', email_verified: false } });
    const t = await fakeTenant(scenario, { user: false, jit: true });
    expect((await t.signIn()).response.status).toBe(302);
    const listed = (await (await t.scim.get(`/Users?filter=${encodeURIComponent('userName eq "hank.login"')}`)).json()) as { Resources: Record<string, unknown>[] };
    expect(listed.Resources).toHaveLength(1);
    expect(listed.Resources[0]!.emails).toBeUndefined();
  });
});

it('keeps the session store free of usable ids: KV keys are hashes of the cookie value', async () => {
  const t = await oktaTenant();
  await t.provision(alice);
  expect((await t.signIn(alice)).status).toBe(302);
  const id = t.jar.cookies.get('__Host-eid_session')!;
  const keys = (await env.SESSIONS.list({ prefix: 'session:' })).keys.map((k) => k.name);
  expect(keys.length).toBeGreaterThan(0);
  expect(keys.some((k) => k.includes(id))).toBe(false);
  // Nor a usable ID token: the one kept for logout's id_token_hint is sealed.
  for (const key of keys) {
    const value = (await env.SESSIONS.get(key))!;
    expect(value).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/);
    expect(JSON.parse(value)).toMatchObject({ idTokenSealed: expect.stringMatching(/^v1\./) });
  }
});
