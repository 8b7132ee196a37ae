/**
 * The ways into and out of a session: IdP-initiated login from the Okta tile, sign-in by email
 * domain, RP-initiated logout (CSRF-safe), and what they refuse: open redirects, foreign issuers,
 * cross-site logout, too many attempts.
 */
import { describe, expect, it } from 'vitest';
import { addDomain } from '../src/tenants/domain-store.ts';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { oktaNewUser } from './support/okta-bodies.ts';
import { app, CookieJar, location, oktaAuthorize, oktaIssuer, ssoTenant, TEST_APP_ORIGIN } from './support/sign-in.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

const alice = OKTA_ACCOUNTS[0]!;

async function tenantWithAlice() {
  const t = await ssoTenant({ issuer: oktaIssuer(), clientId: OKTA_CLIENTS.basic.clientId, clientSecret: OKTA_CLIENTS.basic.clientSecret });
  expect((await t.scim.post('/Users', oktaNewUser(alice.login, { externalId: alice.sub }))).status).toBe(201);
  return { ...t, jar: new CookieJar() };
}

describe('IdP-initiated login (Okta app tile, OIDC Core §4)', () => {
  it('starts a fresh code flow for the tenant and lands on the same-origin target_link_uri', async () => {
    const t = await tenantWithAlice();
    const query = new URLSearchParams({ iss: oktaIssuer(), login_hint: alice.login, target_link_uri: `${TEST_APP_ORIGIN}/reports?year=2026` });
    const start = await app(t.jar, `/auth/${t.slug}/initiate?${query}`);
    expect(start.status).toBe(302);
    const authorize = new URL(location(start));
    expect(authorize.searchParams.get('login_hint')).toBe(alice.login);
    expect(authorize.searchParams.get('state')).toBeTruthy();
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    const done = await app(t.jar, await oktaAuthorize(authorize.href, alice.login));
    expect(done.status).toBe(302);
    expect(location(done)).toBe('/reports?year=2026');
    expect((await app(t.jar, '/auth/session')).status).toBe(200);
  });

  it('refuses an iss that is not the tenant’s issuer (a trailing slash is a mismatch)', async () => {
    const t = await tenantWithAlice();
    for (const iss of ['https://evil.example', `${oktaIssuer()}/`]) {
      const response = await app(t.jar, `/auth/${t.slug}/initiate?iss=${encodeURIComponent(iss)}`);
      expect(response.status).toBe(400);
      expect(await response.text()).toMatch(/identity provider this organization does not use/);
    }
    expect((await app(t.jar, `/auth/${t.slug}/initiate`)).status).toBe(400);
  });

  it.each(['https://evil.example/phish', `${TEST_APP_ORIGIN}//evil.example/x`, `${TEST_APP_ORIGIN}/.//evil.example`, '/.//evil.example'])(
    'refuses the target_link_uri %j (another origin, or a path that normalises to one)',
    async (target) => {
      const t = await tenantWithAlice();
      const query = new URLSearchParams({ iss: oktaIssuer(), target_link_uri: target });
      const response = await app(t.jar, `/auth/${t.slug}/initiate?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get('location')).toBeNull();
    },
  );
});

describe('return_to', () => {
  // The last four normalise to `//evil.example/…` (dot segments, an encoded dot, an empty segment).
  const attacks = ['https://evil.example/', '//evil.example/x', '/\\evil.example', '\\\\evil.example', '/\t/evil.example', 'javascript:alert(1)', 'evil.example', `${TEST_APP_ORIGIN}.evil.example/`, '/.//evil.example/x', '/a/..//evil.example', '/%2e//evil.example', '/./%2e/..//evil.example'];
  it.each(attacks)('refuses %j without redirecting anywhere', async (returnTo) => {
    const t = await tenantWithAlice();
    const response = await app(t.jar, `/auth/${t.slug}/login?return_to=${encodeURIComponent(returnTo)}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(response.headers.getSetCookie()).toEqual([]);
  });

  it('keeps a same-origin path with query and fragment', async () => {
    const t = await tenantWithAlice();
    const start = await app(t.jar, `/auth/${t.slug}/login?return_to=${encodeURIComponent('/a/b?c=d#e')}`);
    const done = await app(t.jar, await oktaAuthorize(location(start), alice.login));
    expect(location(done)).toBe('/a/b?c=d#e');
  });
});

describe('RP-initiated logout', () => {
  it('ends the session and sends the browser to the provider with id_token_hint and our post-logout URI', async () => {
    const t = await tenantWithAlice();
    const start = await app(t.jar, `/auth/${t.slug}/login`);
    expect((await app(t.jar, await oktaAuthorize(location(start), alice.login))).status).toBe(302);
    const logout = await app(t.jar, '/auth/logout', { method: 'POST', headers: { origin: TEST_APP_ORIGIN } });
    expect(logout.status).toBe(303);
    const endSession = new URL(location(logout));
    expect(endSession.origin + endSession.pathname).toBe(`${oktaIssuer()}/session/end`);
    expect(endSession.searchParams.get('id_token_hint')).toMatch(/^ey/);
    expect(endSession.searchParams.get('post_logout_redirect_uri')).toBe(`${TEST_APP_ORIGIN}/auth/logged-out`);
    expect(endSession.searchParams.get('client_id')).toBe(OKTA_CLIENTS.basic.clientId);
    expect(logout.headers.getSetCookie().some((c) => /^__Host-eid_session=;.*Max-Age=0/.test(c))).toBe(true);
    expect(t.jar.cookies.has('__Host-eid_session')).toBe(false);
    // The provider accepts our hint and shows its logout confirmation.
    expect((await fetch(endSession, { redirect: 'manual' })).status).toBe(200);
    expect((await app(t.jar, '/auth/logged-out')).status).toBe(200);
  });

  it('refuses a cross-site logout (foreign Origin, or no Origin and no same-origin Fetch Metadata) and keeps the session', async () => {
    const t = await tenantWithAlice();
    const start = await app(t.jar, `/auth/${t.slug}/login`);
    expect((await app(t.jar, await oktaAuthorize(location(start), alice.login))).status).toBe(302);
    const sessionId = t.jar.cookies.get('__Host-eid_session');
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, {}] as Record<string, string>[]) {
      const response = await app(t.jar, '/auth/logout', { method: 'POST', headers });
      expect(response.status).toBe(403);
    }
    expect(t.jar.cookies.get('__Host-eid_session')).toBe(sessionId);
    expect((await app(t.jar, '/auth/session')).status).toBe(200);
    expect((await app(t.jar, '/auth/logout', { method: 'POST', headers: { 'sec-fetch-site': 'same-origin' } })).status).toBe(303);
    expect((await app(t.jar, '/auth/session')).status).toBe(401);
    expect((await app(t.jar, '/auth/logout')).status).toBe(404);
  });
});

describe('sign-in by email domain', () => {
  it('sends alice@<verified domain> to her tenant’s provider with a login_hint', async () => {
    const t = await tenantWithAlice();
    const domain = `${t.slug}.example`;
    await addDomain(db(), await tenantRow(t.slug), domain, true);
    const response = await app(t.jar, `/auth/login?email=${encodeURIComponent(`Alice@${domain.toUpperCase()}`)}&return_to=/inbox`);
    expect(response.status).toBe(302);
    const authorize = new URL(location(response));
    expect(authorize.searchParams.get('login_hint')).toBe(`Alice@${domain.toUpperCase()}`);
    expect(authorize.searchParams.get('client_id')).toBe(OKTA_CLIENTS.basic.clientId);
  });

  it('does not route by a domain that is claimed but not verified', async () => {
    const t = await tenantWithAlice();
    const domain = `${t.slug}.example`;
    await addDomain(db(), await tenantRow(t.slug), domain, false);
    const response = await app(t.jar, `/auth/login?email=bob@${domain}`);
    expect(response.status).toBe(404);
    expect(await response.text()).toMatch(/No organization uses single sign-on/);
  });

  it('asks for an email when none is given, on a page no other site may frame', async () => {
    const response = await app(new CookieJar(), '/auth/login');
    expect(response.status).toBe(200);
    expect(await response.text()).toMatch(/name="email"/);
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
  });
});

it('keeps at most 5 sign-in attempt cookies per browser: more starts drop the oldest, the newest still signs in', async () => {
  const t = await tenantWithAlice();
  const starts: Response[] = [];
  for (let i = 0; i < 12; i++) starts.push(await app(t.jar, `/auth/${t.slug}/login`, { headers: { 'cf-connecting-ip': `198.51.100.${i}` } }));
  expect(starts.every((r) => r.status === 302)).toBe(true);
  const attempts = () => [...t.jar.cookies.keys()].filter((name) => name.startsWith('__Host-eid_login_'));
  expect(attempts()).toHaveLength(5);
  // The first attempt's cookie is gone: its callback cannot finish; the last one does.
  expect((await app(t.jar, await oktaAuthorize(location(starts[0]!), alice.login))).status).toBe(400);
  expect((await app(t.jar, await oktaAuthorize(location(starts[11]!), alice.login))).status).toBe(302);
  expect((await app(t.jar, '/auth/session')).status).toBe(200);
});

it('rate-limits sign-in starts per client IP and tenant', async () => {
  const t = await tenantWithAlice();
  const statuses: number[] = [];
  for (let i = 0; i < 32; i++) statuses.push((await app(new CookieJar(), `/auth/${t.slug}/login`, { headers: { 'cf-connecting-ip': '203.0.113.7' } })).status);
  expect(statuses.slice(0, 30).every((s) => s === 302)).toBe(true);
  expect(statuses.slice(30)).toEqual([429, 429]);
  // Another address is not held back.
  expect((await app(new CookieJar(), `/auth/${t.slug}/login`, { headers: { 'cf-connecting-ip': '203.0.113.8' } })).status).toBe(302);
});

it('answers unknown tenants and tenants without SSO with one and the same 404 page, not framable', async () => {
  const withoutSso = await tenantWithToken();
  const pages = new Set<string>();
  for (const slug of ['no-such-tenant', withoutSso.slug]) {
    const response = await app(new CookieJar(), `/auth/${slug}/login`);
    expect(response.status).toBe(404);
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    pages.add((await response.text()).replace(/<code>[^<]*<\/code>/, ''));
  }
  expect(pages.size).toBe(1);
  expect([...pages][0]).toContain('Single sign-on is not available for this organization here.');
});
