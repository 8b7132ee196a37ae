/**
 * The IdentityApi entrypoint a host Worker binds (here the test Worker binds itself, as a host on
 * the same account would): the session behind a Cookie header, session tokens checked offline,
 * and the change log — over RPC, with the same answers as the HTTP routes.
 */
import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app, signedInOktaUser } from './support/sign-in.ts';
import { createApiKey } from '../src/api/api-keys.ts';
import { db, oktaNewUser, tenantWithToken } from './support/tenants.ts';

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

  it("user(tenant, id) and users(tenant, { filter, cursor }) answer what the API does, with locations as paths", async () => {
    const t = await tenantWithToken();
    const ids: string[] = [];
    for (const login of ['ana@acme.com', 'ben@acme.com', 'cy@acme.com']) ids.push(((await (await t.scim.post('/Users', oktaNewUser(login))).json()) as { id: string }).id);
    const { key } = await createApiKey(db(), 'binding-compare');
    const overHttp = async (path: string) => (await (await SELF.fetch(`https://edge.test/api/v1/tenants/${t.slug}${path}`, { headers: { authorization: `Bearer ${key}` } })).json()) as Record<string, unknown>;
    const asPaths = (value: unknown) => JSON.parse(JSON.stringify(value).replaceAll('https://edge.test/scim/', '/scim/')) as unknown;

    expect(await env.IDENTITY.user(t.slug, ids[1]!)).toEqual(asPaths(await overHttp(`/users/${ids[1]}`)));
    expect(await env.IDENTITY.user(t.slug, 'nobody')).toBeNull();
    expect(await env.IDENTITY.user('no-such-tenant', ids[1]!)).toBeNull();

    const first = await env.IDENTITY.users(t.slug, { limit: 2 });
    expect(first).toEqual(asPaths(await overHttp('/users?limit=2')));
    const rest = await env.IDENTITY.users(t.slug, { cursor: (first as unknown as { next: string }).next });
    expect(rest).toMatchObject({ next: null, data: [{ id: ids[2], meta: { location: `/scim/v2/${t.slug}/Users/${ids[2]}` } }] });
    expect(await env.IDENTITY.users(t.slug, { filter: 'userName eq "ben@acme.com"' })).toMatchObject({ data: [{ id: ids[1] }], next: null });
    expect(await env.IDENTITY.users(t.slug, { filter: 'userName eq' })).toMatchObject({ error: expect.stringMatching(/^filter: /) });
    expect(await env.IDENTITY.users(t.slug, { cursor: 'forged' })).toMatchObject({ error: expect.stringMatching(/^cursor: /) });
    expect(await env.IDENTITY.users('no-such-tenant')).toBeNull();
  });
});
