import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { OKTA_ACCOUNTS, OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { app, CookieJar, location, oktaAuthorize, oktaIssuer, ssoTenant, TEST_APP_ORIGIN } from './support/sign-in.ts';
import { oktaNewUser } from './support/tenants.ts';

const alice = OKTA_ACCOUNTS[0]!;

/** A SCIM-provisioned Alice (as Okta pushes her: externalId = her Okta id) in a tenant using `client`. */
async function tenantWithAlice(client: (typeof OKTA_CLIENTS)[keyof typeof OKTA_CLIENTS]) {
  const t = await ssoTenant({ issuer: oktaIssuer(), clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod });
  const created = await t.scim.post('/Users', oktaNewUser(alice.login, { externalId: alice.sub }));
  expect(created.status).toBe(201);
  const user = (await created.json()) as { id: string };
  return { ...t, userId: user.id };
}

describe('sign-in with the Okta-like provider (oidc-provider)', () => {
  for (const kind of ['basic', 'post', 'public'] as const) {
    it(`completes the code flow with a ${OKTA_CLIENTS[kind].tokenAuthMethod} client and lands on return_to with a session`, async () => {
      const t = await tenantWithAlice(OKTA_CLIENTS[kind]);
      const jar = new CookieJar();
      const start = await app(jar, `/auth/${t.slug}/login?return_to=${encodeURIComponent('/app/projects?tab=2')}`);
      expect(start.status).toBe(302);
      const authorize = new URL(location(start));
      expect(authorize.origin + authorize.pathname).toBe(`${oktaIssuer()}/auth`);
      expect(Object.fromEntries(authorize.searchParams)).toMatchObject({
        client_id: OKTA_CLIENTS[kind].clientId,
        redirect_uri: `${TEST_APP_ORIGIN}/auth/callback`,
        response_type: 'code',
        code_challenge_method: 'S256',
      });
      expect(authorize.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(authorize.searchParams.get('nonce')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      const loginCookie = start.headers.getSetCookie().find((c) => c.startsWith('__Host-eid_login_'));
      expect(loginCookie).toMatch(/Max-Age=600; Path=\/; HttpOnly; Secure; SameSite=Lax/);

      const callback = await oktaAuthorize(authorize.href, alice.login);
      expect(new URL(callback).searchParams.get('iss')).toBe(oktaIssuer());
      const done = await app(jar, callback);
      expect(done.status, await done.clone().text()).toBe(302);
      expect(location(done)).toBe('/app/projects?tab=2');
      const sessionCookie = done.headers.getSetCookie().find((c) => c.startsWith('__Host-eid_session='));
      expect(sessionCookie).toMatch(/^__Host-eid_session=[A-Za-z0-9_-]{43}; Max-Age=86400; Path=\/; HttpOnly; Secure; SameSite=Lax$/);
      expect([...jar.cookies.keys()].filter((k) => k.startsWith('__Host-eid_login_'))).toEqual([]);

      const session = await app(jar, '/auth/session');
      expect(session.status).toBe(200);
      expect(session.headers.get('cache-control')).toBe('no-store');
      const body = (await session.json()) as Record<string, unknown>;
      expect(body).toMatchObject({
        tenant: t.slug,
        user: { id: t.userId, userName: alice.login, email: alice.login, externalId: alice.sub },
        role: 'viewer',
        groups: ['Everyone', 'Acme Admins'],
      });
      expect(Date.parse(body.expiresAt as string)).toBeGreaterThan(Date.now() + 7 * 3600_000);
      // The sign-in is in the change log, after Alice's creation, committed with its audit row.
      const { results } = await env.DB.prepare(`SELECT seq, type, actor, data FROM directory_events WHERE tenant_id = ? ORDER BY seq`).bind(t.tenant.id).all<{ seq: number; type: string; actor: string; data: string }>();
      expect(results.map((e) => [e.seq, e.type, e.actor])).toEqual([
        [1, 'user.created', expect.stringMatching(/^scim:/)],
        [2, 'user.signed_in', 'signin'],
      ]);
      expect(JSON.parse(results[1]!.data)).toEqual({ user: { id: t.userId, userName: alice.login }, role: 'viewer' });
    });
  }
});
