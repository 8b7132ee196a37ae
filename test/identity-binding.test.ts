/**
 * The IdentityApi entrypoint a host Worker binds (here the test Worker binds itself, as a host on
 * the same account would): the session behind a Cookie header, session tokens checked offline,
 * and the change log — over RPC, with the same answers as the HTTP routes.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app, signedInOktaUser } from './support/sign-in.ts';
import { oktaNewUser, tenantWithToken } from './support/tenants.ts';

describe('the IdentityApi service binding', () => {
  it('session(cookie header) answers what /auth/session does; null without a live session', async () => {
    const t = await signedInOktaUser();
    const overHttp = await (await app(t.jar, '/auth/session')).json();
    expect(await env.IDENTITY.session(`theme=dark; ${t.jar.header()}`)).toEqual(overHttp);
    expect(await env.IDENTITY.session(null)).toBeNull();
    expect(await env.IDENTITY.session('__Host-eid_session=not-a-session')).toBeNull();
    expect(await env.IDENTITY.session(`__Host-eid_session=${'A'.repeat(43)}`)).toBeNull();
  });

  it('verify(token) accepts a session token and refuses a forged or broken one, without throwing', async () => {
    const t = await signedInOktaUser();
    const { token } = (await (await app(t.jar, '/auth/token')).json()) as { token: string };
    const verified = await env.IDENTITY.verify(token);
    expect(verified).toMatchObject({ valid: true, claims: { tenant: t.slug, email: t.account.login } });
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const forged = `${header}.${btoa(JSON.stringify({ ...JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))), role: 'owner' })).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_')}.${signature}`;
    expect(await env.IDENTITY.verify(forged)).toEqual({ valid: false, reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    expect(await env.IDENTITY.verify('not.a.token')).toMatchObject({ valid: false });
  });

  it('events(tenant) is the feed; null for an unknown tenant', async () => {
    const t = await tenantWithToken();
    expect((await t.scim.post('/Users', oktaNewUser('bound.reader@acme.com'))).status).toBe(201);
    const page = await env.IDENTITY.events(t.slug, { after: 0 });
    expect(page).toMatchObject({ next: 1, data: [{ seq: 1, type: 'user.created', tenant: t.slug }] });
    expect(await env.IDENTITY.events(t.slug, { after: 1 })).toEqual({ data: [], next: 1 });
    expect(await env.IDENTITY.events('no-such-tenant')).toBeNull();
    // Options that are no whole numbers fall back to the feed's defaults rather than reaching a query.
    expect(await env.IDENTITY.events(t.slug, { after: Number.NaN, limit: Number.POSITIVE_INFINITY })).toMatchObject({ next: 1, data: [{ seq: 1 }] });
    expect(await env.IDENTITY.events(t.slug, { after: -5, limit: 0 })).toMatchObject({ next: 1, data: [{ seq: 1 }] });
  });
});
