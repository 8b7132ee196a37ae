/**
 * Session tokens for other origins: `GET /auth/token` signs the live session as a short-lived
 * ES256 JWT that verifies against `/.well-known/jwks.json` with jose's remote key set; a rotated
 * key keeps its tokens valid until they expire while new tokens carry the new `kid`; a user
 * deactivated through SCIM gets no new token on the next call.
 */
import { env, SELF } from 'cloudflare:test';
import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { signingKeys } from '../src/db/schema.ts';
import { publishedKeys, rotateSigningKey } from '../src/sessions/signing-keys.ts';
import { oktaSetActive } from './support/okta-bodies.ts';
import { app, CookieJar, location, oktaAuthorize, signedInOktaUser, TEST_APP_ORIGIN } from './support/sign-in.ts';
import { db } from './support/tenants.ts';

const keySet = createRemoteJWKSet(new URL(`${TEST_APP_ORIGIN}/.well-known/jwks.json`), { [customFetch]: (url: string, init: RequestInit) => SELF.fetch(url, init), cooldownDuration: 0 });

async function token(jar: CookieJar): Promise<{ token: string; expiresAt: string }> {
  const res = await app(jar, '/auth/token');
  expect(res.status, await res.clone().text()).toBe(200);
  expect(res.headers.get('cache-control')).toBe('no-store');
  return res.json();
}

describe('GET /auth/token', () => {
  it('signs the session as an ES256 JWT that verifies against the published JWKS, with the session as /auth/session shows it', async () => {
    const t = await signedInOktaUser();
    const issued = await token(t.jar);
    const { payload, protectedHeader } = await jwtVerify(issued.token, keySet, { issuer: TEST_APP_ORIGIN, audience: TEST_APP_ORIGIN, algorithms: ['ES256'] });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', typ: 'JWT', kid: expect.stringMatching(/^sk_\d{8}_[0-9a-f]{16}$/) });
    const session = (await (await app(t.jar, '/auth/session')).json()) as { role: string; groups: string[]; user: { email: string; name: string } };
    expect(payload).toMatchObject({ sub: t.userId, tenant: t.slug, role: session.role, groups: session.groups, email: session.user.email, name: session.user.name });
    expect(payload.sid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(payload.exp! - payload.iat!).toBe(300);
    expect(Date.parse(issued.expiresAt)).toBe(payload.exp! * 1000);
    // The session id itself is the cookie's secret: never in the token.
    expect(issued.token).not.toContain(t.jar.cookies.get('__Host-eid_session')!);
  });

  it('is 401 without a session, and for a user SCIM deactivated since, on the very next call', async () => {
    expect((await app(new CookieJar(), '/auth/token')).status).toBe(401);
    const t = await signedInOktaUser();
    await token(t.jar);
    expect((await t.scim.patch(`/Users/${t.userId}`, oktaSetActive(false))).status).toBe(200);
    const refused = await app(t.jar, '/auth/token');
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: 'unauthenticated' });
  });

  it('after a rotation: new tokens carry the new kid, old tokens still verify, and the old key leaves the JWKS once its tokens have expired', async () => {
    const t = await signedInOktaUser();
    const before = await token(t.jar);
    const oldKid = decodeProtectedHeader(before.token).kid!;
    const { current, retired } = await rotateSigningKey(db(), env.SECRETS_KEY);
    expect(retired).toContain(oldKid);
    const after = await token(t.jar);
    expect(decodeProtectedHeader(after.token).kid).toBe(current.kid);
    await jwtVerify(before.token, keySet, { issuer: TEST_APP_ORIGIN, audience: TEST_APP_ORIGIN });
    await jwtVerify(after.token, keySet, { issuer: TEST_APP_ORIGIN, audience: TEST_APP_ORIGIN });
    const kids = (keys: Record<string, unknown>[]) => keys.map((k) => k.kid);
    expect(kids(await publishedKeys(db()))).toEqual(expect.arrayContaining([oldKid, current.kid]));
    // An hour on, every token the old key signed has expired: it is no longer published.
    expect(kids(await publishedKeys(db(), Date.now() + 3601_000))).not.toContain(oldKid);
    const jwks = (await (await SELF.fetch(`${TEST_APP_ORIGIN}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    }
    const stored = await db().select().from(signingKeys).all();
    for (const row of stored) expect(row.privateSealed).not.toMatch(/"d"/);
  });
});

describe('GET /auth/token/redirect', () => {
  const SPA = 'https://spa.example/signed-in';
  const redirect = (jar: CookieJar, to: string, state?: string) => app(jar, `/auth/token/redirect?${new URLSearchParams({ to, ...(state ? { state } : {}) })}`);

  function fragmentOf(res: Response, target: string): URLSearchParams {
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const to = res.headers.get('location')!;
    expect(to.startsWith(`${target}#`)).toBe(true);
    return new URLSearchParams(to.slice(target.length + 1));
  }

  it('a sign-in started with return_to=/auth/token/redirect lands on the listed URI with the token in the fragment', async () => {
    const t = await signedInOktaUser();
    // As a SPA starts it: the whole flow, from the login link to its own page.
    const start = await app(t.jar, `/auth/${t.slug}/login?return_to=${encodeURIComponent(`/auth/token/redirect?to=${encodeURIComponent(SPA)}&state=xyz`)}`);
    const back = await app(t.jar, await oktaAuthorize(location(start), t.account.login));
    expect(back.headers.get('location')).toBe(`/auth/token/redirect?to=${encodeURIComponent(SPA)}&state=xyz`);
    const fragment = fragmentOf(await app(t.jar, back.headers.get('location')!), SPA);
    expect(fragment.get('state')).toBe('xyz');
    expect(fragment.get('token_type')).toBe('Bearer');
    const { payload } = await jwtVerify(fragment.get('session_token')!, keySet, { issuer: TEST_APP_ORIGIN, audience: TEST_APP_ORIGIN });
    expect(payload).toMatchObject({ sub: t.userId, tenant: t.slug });
    expect(Date.parse(fragment.get('expires_at')!)).toBe(payload.exp! * 1000);
    // A native app's private-use scheme works the same way.
    expect(fragmentOf(await redirect(t.jar, 'com.acme.app:/signed-in'), 'com.acme.app:/signed-in').get('session_token')).toMatch(/^eyJ/);
  });

  it('without a live session the client is told so in the fragment, with its state', async () => {
    const fragment = fragmentOf(await redirect(new CookieJar(), SPA, 'abc'), SPA);
    expect(Object.fromEntries(fragment)).toEqual({ error: 'unauthenticated', state: 'abc' });
  });

  it('only a listed URI, exactly: anything else is a 400 page and never followed', async () => {
    const t = await signedInOktaUser();
    for (const to of ['https://evil.example/signed-in', `${SPA}/../../evil`, `${SPA}?x=1`, `${SPA}/more`, 'https://spa.example', 'HTTPS://SPA.EXAMPLE/signed-in', `${SPA}#frag`, '/auth/session', 'com.acme.app:/other']) {
      const res = await redirect(t.jar, to);
      expect(res.status, to).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      expect(await res.text()).not.toContain('eyJ');
    }
    expect((await app(t.jar, '/auth/token/redirect')).status).toBe(400);
  });
});

