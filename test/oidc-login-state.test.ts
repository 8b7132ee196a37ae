/**
 * The login attempt between /auth/{tenant}/login and /auth/callback: a sealed cookie per attempt,
 * consumed once in the tenant's Durable Object; a new session id at every sign-in.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { LOGIN_TTL_SECONDS, loginCookieName, openLoginAttempt, sealLoginAttempt, type LoginAttempt } from '../src/oidc/login-state.ts';
import { app, CookieJar, errorReference, fakeAuthorize, fakeScenario, fakeTenant, location } from './support/sign-in.ts';

async function startAttempt(t: Awaited<ReturnType<typeof fakeTenant>>, jar = t.jar) {
  const start = await app(jar, `/auth/${t.slug}/login`);
  const callbackUrl = await fakeAuthorize(location(start));
  const state = new URL(callbackUrl).searchParams.get('state')!;
  const cookieName = `__Host-${loginCookieName(state)}`;
  return { callbackUrl, state, cookieName, cookieValue: jar.cookies.get(cookieName)! };
}

describe('the login attempt', () => {
  it('refuses a callback whose state matches no attempt of this browser, without redeeming the code', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const { callbackUrl } = await startAttempt(t);
    const tampered = new URL(callbackUrl);
    tampered.searchParams.set('state', 'A'.repeat(43));
    const response = await app(t.jar, tampered.href);
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/expired or was started in another browser/);
    expect((await scenario.log()).tokenRequests).toBe(0);
    expect((await app(t.jar, '/auth/session')).status).toBe(401);
  });

  it('refuses a callback arriving in another browser (no attempt cookie)', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const { callbackUrl } = await startAttempt(t);
    const response = await app(new CookieJar(), callbackUrl);
    expect(response.status).toBe(400);
    expect(await errorReference(response)).toBeTruthy();
    expect((await scenario.log()).tokenRequests).toBe(0);
  });

  it('refuses a replayed callback (same cookie, same code) before the provider sees the code again', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const { callbackUrl, cookieName, cookieValue } = await startAttempt(t);
    expect((await app(t.jar, callbackUrl)).status).toBe(302);
    const attacker = new CookieJar();
    attacker.cookies.set(cookieName, cookieValue);
    const replay = await app(attacker, callbackUrl);
    expect(replay.status).toBe(400);
    expect(await replay.text()).toMatch(/already used/);
    expect(replay.headers.getSetCookie().some((c) => c.startsWith('__Host-eid_session='))).toBe(false);
    expect((await scenario.log()).tokenRequests).toBe(1);
  });

  it('refuses a tampered attempt cookie', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const { callbackUrl, cookieName, cookieValue } = await startAttempt(t);
    const flipped = cookieValue.slice(0, -2) + (cookieValue.endsWith('AA') ? 'BB' : 'AA');
    t.jar.cookies.set(cookieName, flipped);
    expect((await app(t.jar, callbackUrl)).status).toBe(400);
    expect((await scenario.log()).tokenRequests).toBe(0);
  });

  it('keeps parallel sign-ins of one browser apart (two tabs)', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    const first = await startAttempt(t);
    const second = await startAttempt(t);
    expect(first.cookieName).not.toBe(second.cookieName);
    expect((await app(t.jar, second.callbackUrl)).status).toBe(302);
    expect((await app(t.jar, first.callbackUrl)).status).toBe(302);
  });

  it('seals the attempt for at most 10 minutes, bound to its state', async () => {
    const attempt: LoginAttempt = {
      attemptId: crypto.randomUUID(),
      tenantId: 't',
      issuer: 'https://idp.example',
      state: 'S'.repeat(43),
      nonce: 'n',
      codeVerifier: 'v',
      returnTo: '/',
      expiresAt: Date.now() + LOGIN_TTL_SECONDS * 1000,
    };
    const sealed = await sealLoginAttempt(env.SECRETS_KEY, attempt);
    expect(sealed).not.toContain(attempt.state);
    expect(sealed).not.toContain(attempt.issuer);
    expect(await openLoginAttempt(env.SECRETS_KEY, attempt.state, sealed)).toEqual(attempt);
    expect(await openLoginAttempt(env.SECRETS_KEY, attempt.state, sealed, attempt.expiresAt)).toBeUndefined();
    // Same 16-character prefix (same cookie name), different state: refused.
    expect(await openLoginAttempt(env.SECRETS_KEY, `${'S'.repeat(42)}T`, sealed)).toBeUndefined();
  });
});

describe('the session id at sign-in', () => {
  it('is new at every sign-in, and the one the browser brought stops working', async () => {
    const scenario = await fakeScenario();
    const t = await fakeTenant(scenario);
    expect((await t.signIn()).response.status).toBe(302);
    const firstId = t.jar.cookies.get('__Host-eid_session')!;
    expect((await t.signIn()).response.status).toBe(302);
    const secondId = t.jar.cookies.get('__Host-eid_session')!;
    expect(secondId).not.toBe(firstId);
    const old = new CookieJar();
    old.cookies.set('__Host-eid_session', firstId);
    expect((await app(old, '/auth/session')).status).toBe(401);
    expect((await app(t.jar, '/auth/session')).status).toBe(200);
  });
});
