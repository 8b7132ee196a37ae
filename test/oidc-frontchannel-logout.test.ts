/**
 * OpenID Connect Front-Channel Logout 1.0 against the fake provider: ID tokens with (or without)
 * `sid`, then the provider's iframe load of `/auth/{tenant}/frontchannel-logout?iss=…&sid=…`,
 * which carries no cookie. Only the sessions of that tenant, issuer and sid end.
 */
import { env, SELF } from 'cloudflare:test';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSession, deleteProviderSessions, useSession } from '../src/sessions/session-store.ts';
import { app, CookieJar, fakeScenario, fakeTenant, location, TEST_APP_ORIGIN, type FakeScenario } from './support/sign-in.ts';

type Tenant = Awaited<ReturnType<typeof fakeTenant>>;

/** One sign-in of the scenario's person in `browser` whose ID token carries `sid` (null: no sid claim). */
async function signInWithSid(scenario: FakeScenario, t: Tenant, sid: string | null, browser = new CookieJar()): Promise<CookieJar> {
  await scenario.update({ idToken: { claims: { sid } } });
  const { response } = await t.signIn('/home', browser);
  expect(response.status, await response.clone().text()).toBe(302);
  expect(location(response)).toBe('/home');
  return browser;
}

/** The provider's iframe load: a plain GET without any of our cookies. */
function frontChannel(slug: string, query: Record<string, string>): Promise<Response> {
  return SELF.fetch(`${TEST_APP_ORIGIN}/auth/${slug}/frontchannel-logout?${new URLSearchParams(query)}`, { redirect: 'manual' });
}

async function sessionStatus(browser: CookieJar): Promise<number> {
  return (await app(browser, '/auth/session')).status;
}

async function signOutAudit(tenantId: string) {
  const rows = await env.DB.prepare("SELECT resource_id AS userId, outcome, detail FROM audit_log WHERE tenant_id = ? AND action = 'signout' ORDER BY at, id").bind(tenantId).all<{ userId: string; outcome: string; detail: string }>();
  return rows.results;
}

async function sidIndexKeys(tenantId: string): Promise<string[]> {
  return (await env.SESSIONS.list({ prefix: `sid:${tenantId}:` })).keys.map((k) => k.name);
}

function expectFrameableNoStore(response: Response, frameAncestor: string): void {
  expect(response.headers.get('cache-control')).toBe('no-cache, no-store');
  expect(response.headers.get('pragma')).toBe('no-cache');
  expect(response.headers.get('content-security-policy')).toBe(`frame-ancestors ${frameAncestor}`);
  expect(response.headers.get('x-frame-options')).toBeNull();
  expect(response.headers.getSetCookie()).toEqual([]);
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('front-channel logout by the provider', () => {
  it('ends the session signed in under iss + sid, answers a tiny no-store page framable by the issuer only, and audits it', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const browser = await signInWithSid(scenario, t, 'op-session-1');
    expect(await sessionStatus(browser)).toBe(200);
    const userId = ((await (await app(browser, '/auth/session')).json()) as { user: { id: string } }).user.id;

    const response = await frontChannel(t.slug, { iss: scenario.issuer, sid: 'op-session-1' });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/html/);
    expectFrameableNoStore(response, new URL(scenario.issuer).origin);
    expect((await response.text()).length).toBeLessThan(200);

    expect(await sessionStatus(browser)).toBe(401);
    expect(await signOutAudit(t.tenant.id)).toEqual([{ userId, outcome: 'success', detail: 'front-channel logout by the provider' }]);
    expect(await sidIndexKeys(t.tenant.id)).toEqual([]);
    // Okta may load the URI again (another tab, a retry): still a 200 that ends nothing more.
    expect((await frontChannel(t.slug, { iss: scenario.issuer, sid: 'op-session-1' })).status).toBe(200);
    expect(await signOutAudit(t.tenant.id)).toHaveLength(1);
  });

  it('ends every session of that provider session, and only those: another sid and a sign-in without sid survive', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const laptop = await signInWithSid(scenario, t, 'op-session-a');
    const laptopTab = await signInWithSid(scenario, t, 'op-session-a');
    const phone = await signInWithSid(scenario, t, 'op-session-b');
    const noSid = await signInWithSid(scenario, t, null);

    expect((await frontChannel(t.slug, { iss: scenario.issuer, sid: 'op-session-a' })).status).toBe(200);
    expect(await sessionStatus(laptop)).toBe(401);
    expect(await sessionStatus(laptopTab)).toBe(401);
    expect(await sessionStatus(phone)).toBe(200);
    expect(await sessionStatus(noSid)).toBe(200);
    expect(await signOutAudit(t.tenant.id)).toHaveLength(2);
  });

  it('ends nothing for another issuer with the right sid, and logs why under the reference it shows', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const browser = await signInWithSid(scenario, t, 'op-session-c');
    const warn = vi.spyOn(console, 'warn');

    for (const iss of [`${scenario.issuer}/`, 'https://evil.example', new URL(scenario.issuer).origin]) {
      const response = await frontChannel(t.slug, { iss, sid: 'op-session-c' });
      expect(response.status).toBe(200);
      // Still framable by the tenant's real issuer only, never by whoever sent the iss.
      expectFrameableNoStore(response, new URL(scenario.issuer).origin);
      const reference = /Reference: <code>([^<]+)<\/code>/.exec(await response.text())?.[1];
      expect(reference).toMatch(/^[0-9a-f-]{36}$/);
      expect(warn.mock.calls.flat().join('\n')).toContain(`[oidc ${reference}] front-channel logout for "${t.slug}": iss "${iss}" is not the tenant's issuer "${scenario.issuer}"`);
    }
    expect(await sessionStatus(browser)).toBe(200);
    expect(await signOutAudit(t.tenant.id)).toEqual([]);
  });

  it('answers 200 for an unknown sid and an unknown tenant, the latter framable by no one', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const unknownSid = await frontChannel(t.slug, { iss: scenario.issuer, sid: 'never-signed-in' });
    expect(unknownSid.status).toBe(200);
    expectFrameableNoStore(unknownSid, new URL(scenario.issuer).origin);
    const unknownTenant = await frontChannel('no-such-tenant', { iss: scenario.issuer, sid: 'never-signed-in' });
    expect(unknownTenant.status).toBe(200);
    expectFrameableNoStore(unknownTenant, "'none'");
  });

  it('refuses a request without iss or sid with a plain 400 that is neither cached nor framable (we require sid)', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const browser = await signInWithSid(scenario, t, 'op-session-d');
    for (const query of [{ iss: scenario.issuer }, { sid: 'op-session-d' }, { iss: scenario.issuer, sid: '' }, {}] as Record<string, string>[]) {
      const response = await frontChannel(t.slug, query);
      expect(response.status).toBe(400);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control')).toBe('no-store');
      // A refusal is our own page, framed by nobody.
      expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    }
    expect(await sessionStatus(browser)).toBe(200);
  });

  it('keeps a session of another tenant on the same issuer: each tenant is signed out through its own URI and sid', async () => {
    const scenario = await fakeScenario();
    const acme = await fakeTenant(scenario);
    const globex = await fakeTenant(scenario);
    const atAcme = await signInWithSid(scenario, acme, 'op-session-acme');
    const atGlobex = await signInWithSid(scenario, globex, 'op-session-globex');
    const bothAtAcme = await signInWithSid(scenario, acme, 'op-session-both');
    const bothAtGlobex = await signInWithSid(scenario, globex, 'op-session-both');

    // A tenant's URI with the other tenant's sid ends nothing anywhere.
    expect((await frontChannel(acme.slug, { iss: scenario.issuer, sid: 'op-session-globex' })).status).toBe(200);
    expect((await frontChannel(globex.slug, { iss: scenario.issuer, sid: 'op-session-acme' })).status).toBe(200);
    expect(await sessionStatus(atAcme)).toBe(200);
    expect(await sessionStatus(atGlobex)).toBe(200);

    // The same provider session at both: each app's own logout ends its own tenant's session.
    expect((await frontChannel(acme.slug, { iss: scenario.issuer, sid: 'op-session-both' })).status).toBe(200);
    expect(await sessionStatus(bothAtAcme)).toBe(401);
    expect(await sessionStatus(bothAtGlobex)).toBe(200);
    expect((await frontChannel(globex.slug, { iss: scenario.issuer, sid: 'op-session-both' })).status).toBe(200);
    expect(await sessionStatus(bothAtGlobex)).toBe(401);
    expect(await sessionStatus(atAcme)).toBe(200);
    expect(await sessionStatus(atGlobex)).toBe(200);
  });

  it('after our own POST /auth/logout the sid is forgotten: a later front-channel call is a harmless no-op', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const browser = await signInWithSid(scenario, t, 'op-session-e');
    const other = await signInWithSid(scenario, t, 'op-session-f');
    expect(await sidIndexKeys(t.tenant.id)).toHaveLength(2);

    const logout = await app(browser, '/auth/logout', { method: 'POST', headers: { origin: TEST_APP_ORIGIN } });
    expect(logout.status).toBe(303);
    expect(await sidIndexKeys(t.tenant.id)).toHaveLength(1);
    expect(await signOutAudit(t.tenant.id)).toHaveLength(1);

    const late = await frontChannel(t.slug, { iss: scenario.issuer, sid: 'op-session-e' });
    expect(late.status).toBe(200);
    expect(await signOutAudit(t.tenant.id)).toHaveLength(1);
    expect(await sessionStatus(other)).toBe(200);
  });
});

describe('the sid index', () => {
  const at = { tenantId: `sid-index-${crypto.randomUUID()}`, issuer: 'https://idp.example', sid: 'op-session-g' };
  const fields = { tenantId: at.tenantId, userId: 'u', sub: '00u1', issuer: at.issuer, claimGroups: [], idTokenSealed: undefined, sid: at.sid };
  const timeouts = { idleSeconds: 3600, absoluteSeconds: 4 * 3600 };

  it('tolerates entries whose sessions are gone or past their timeouts, and drops the entry', async () => {
    const t0 = Date.now();
    const gone = await createSession(env.SESSIONS, fields, timeouts, t0);
    const idle = await createSession(env.SESSIONS, fields, timeouts, t0);
    // Expired on use and deleted, as KV's own expiry would; its index entry stays behind.
    expect(await useSession(env.SESSIONS, gone.sessionId, t0 + 3601_000)).toBeUndefined();
    expect(await deleteProviderSessions(env.SESSIONS, at, t0 + 3601_000)).toEqual([]);
    expect(await sidIndexKeys(at.tenantId)).toEqual([]);
    // The idle-expired record was deleted too, not merely skipped.
    expect(await useSession(env.SESSIONS, idle.sessionId, t0)).toBeUndefined();
  });
});
