/**
 * The OpenID RP checks, one knob per case, against the fake provider (forged tokens signed with
 * jose): each bad response shows an error page with a reference, creates no session, and audits
 * the precise reason.
 */
import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { setConnection } from '../src/oidc/connection-store.ts';
import type { FakeOpKnobs } from './support/fake-op.ts';
import { app, errorReference, fakeScenario, fakeTenant, location, signInAudit } from './support/sign-in.ts';
import { db, tenantRow } from './support/tenants.ts';

interface TenantOptions {
  /** Turn on HMAC-signed ID tokens (`oidc set --hmac-id-tokens on`) for the tenant. */
  hmacIdTokens?: boolean;
}

async function scenarioAndTenant(knobs: FakeOpKnobs, options: TenantOptions) {
  const scenario = await fakeScenario(knobs);
  const t = await fakeTenant(scenario);
  if (options.hmacIdTokens) await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { hmacIdTokens: true }, true);
  return { scenario, t };
}

async function expectRefused(knobs: FakeOpKnobs, reason: RegExp, options: TenantOptions = {}, status = 401) {
  const { scenario, t } = await scenarioAndTenant(knobs, options);
  const { response } = await t.signIn();
  const body = await response.clone().text();
  expect(response.status, body).toBe(status);
  expect(response.headers.get('content-type')).toMatch(/^text\/html/);
  expect(await errorReference(response)).toMatch(/^[0-9a-f-]{36}$/);
  expect(response.headers.getSetCookie().some((c) => c.startsWith('__Host-eid_session='))).toBe(false);
  expect((await app(t.jar, '/auth/session')).status).toBe(401);
  const [audit] = await signInAudit(t.tenant.id);
  expect(audit).toMatchObject({ outcome: 'failure', status });
  expect(audit!.detail).toMatch(reason);
  return { scenario, t };
}

async function expectAccepted(knobs: FakeOpKnobs, options: TenantOptions = {}) {
  const { scenario, t } = await scenarioAndTenant(knobs, options);
  const { response } = await t.signIn('/ok');
  expect(response.status, await response.clone().text()).toBe(302);
  expect(location(response)).toBe('/ok');
  expect((await app(t.jar, '/auth/session')).status).toBe(200);
  return { scenario, t };
}

describe('ID tokens we accept', () => {
  it('accepts a well-formed RS256 token', async () => {
    await expectAccepted({});
  });

  it('accepts a token without kid when the JWKS has one key', async () => {
    await expectAccepted({ idToken: { kid: null } });
  });

  it('accepts several audiences when azp is our client', async () => {
    await expectAccepted({ idToken: { claims: { aud: ['fake-client', 'another-api'], azp: 'fake-client' } } });
  });

  it('follows a key rotation: an unknown kid refetches the JWKS once, then verifies', async () => {
    const { scenario, t } = await expectAccepted({});
    expect((await scenario.log()).jwksFetches).toBe(1);
    await scenario.rotateKeys();
    const { response } = await t.signIn('/after-rotation');
    expect(response.status, await response.clone().text()).toBe(302);
    expect((await scenario.log()).jwksFetches).toBe(2);
    // The refreshed set is cached: the next sign-in fetches nothing.
    expect((await t.signIn()).response.status).toBe(302);
    expect((await scenario.log()).jwksFetches).toBe(2);
  });

  it('takes email and groups from userinfo when the ID token lacks them', async () => {
    const { scenario } = await expectAccepted({ claimsInIdToken: false, account: { email: 'u@fake.test', groups: ['Staff'] } });
    expect((await scenario.log()).userinfoRequests).toBe(1);
  });
});

describe('ID tokens and responses we refuse', () => {
  it('refuses a wrong nonce', () => expectRefused({ idToken: { claims: { nonce: 'not-the-one-we-sent' } } }, /nonce/));
  it('refuses a token for another audience', () => expectRefused({ idToken: { claims: { aud: 'someone-else' } } }, /"aud"/));
  it('refuses a missing audience', () => expectRefused({ idToken: { claims: { aud: null } } }, /"aud".*missing/));
  it('refuses several audiences without azp', () => expectRefused({ idToken: { claims: { aud: ['fake-client', 'another-api'] } } }, /additional untrusted audiences/));
  it('refuses an expired token', () => expectRefused({ idToken: { claims: { exp: Math.floor(Date.now() / 1000) - 120 } } }, /"exp"/));
  it('refuses an iat beyond the clock skew in the future', () => expectRefused({ idToken: { claims: { iat: Math.floor(Date.now() / 1000) + 600, exp: Math.floor(Date.now() / 1000) + 900 } } }, /iat .* future/));
  it('refuses a future nbf', () => expectRefused({ idToken: { claims: { nbf: Math.floor(Date.now() / 1000) + 600 } } }, /"nbf"/));
  it('refuses a missing iat', () => expectRefused({ idToken: { claims: { iat: null } } }, /"iat".*missing/));
  it('refuses a missing sub', () => expectRefused({ idToken: { claims: { sub: null } } }, /"sub".*missing/));
  it('refuses an ID token from another issuer', () => expectRefused({ idToken: { claims: { iss: 'https://evil.example' } } }, /"iss"/));
  it('refuses alg none', () => expectRefused({ idToken: { alg: 'none' } }, /alg/));
  it('refuses HS256 signed with the client secret', () => expectRefused({ idToken: { alg: 'HS256' } }, /alg/));
  it('refuses alg none and HS256 even when discovery announces them', async () => {
    await expectRefused({ signingAlgs: ['RS256', 'none'], idToken: { alg: 'none' } }, /alg "none" refused/);
    await expectRefused({ signingAlgs: ['RS256', 'HS256'], idToken: { alg: 'HS256' } }, /alg "HS256" refused/);
  });
  it('refuses a signature by a key not in the JWKS', () => expectRefused({ idToken: { signWith: 'unpublished' } }, /signature/));
  it('refuses an unknown kid that a refetch does not explain', async () => {
    const { scenario } = await expectRefused({ idToken: { kid: 'no-such-key' } }, /JWKS.*no applicable key|no matching key/i);
    expect((await scenario.log()).jwksFetches).toBe(2);
  });
  it('refuses a userinfo response for another subject', () => expectRefused({ claimsInIdToken: false, userinfo: { sub: '00uSOMEONEELSE00000' } }, /sub/));
  it('refuses a wrong RFC 9207 iss on the authorization response (mix-up)', () => expectRefused({ issParameter: 'wrong' }, /"iss" \(issuer\) response parameter/));
  it('refuses a missing iss when the provider announces RFC 9207 support', () => expectRefused({ issParameter: 'omit' }, /"iss" \(issuer\) missing/));

  it('refuses a discovery document whose issuer is not ours, before leaving for the provider', async () => {
    const scenario = await fakeScenario({ discoveryIssuer: 'https://evil.example' });
    const t = await fakeTenant(scenario);
    const start = await app(t.jar, `/auth/${t.slug}/login`);
    expect(start.status).toBe(502);
    expect(await errorReference(start)).toBeTruthy();
    expect((await scenario.log()).lastAuthorizeParams).toEqual({});
  });
});

describe('HMAC-signed ID tokens (OIDC Core §10.1), only where the tenant turned them on', () => {
  const hs256: FakeOpKnobs = { signingAlgs: ['RS256', 'HS256'], idToken: { alg: 'HS256' } };

  it('accepts HS256 signed with the client secret, without fetching the JWKS', async () => {
    const { scenario } = await expectAccepted(hs256, { hmacIdTokens: true });
    expect((await scenario.log()).jwksFetches).toBe(0);
  });

  it('still accepts RS256 through the JWKS', async () => {
    const { scenario } = await expectAccepted({ signingAlgs: ['RS256', 'HS256'] }, { hmacIdTokens: true });
    expect((await scenario.log()).jwksFetches).toBe(1);
  });

  it('refuses the same HS256 token when the tenant has not turned them on', () =>
    expectRefused(hs256, /^ID token alg "HS256" refused: only asymmetric signatures are accepted \(never "none" or HMAC\)$/));

  it('refuses HS256 signed with another secret', () =>
    expectRefused({ ...hs256, idToken: { alg: 'HS256', hmacSecret: 'not-the-client-secret' } }, /ID token signature: ERR_JWS_SIGNATURE_VERIFICATION_FAILED/, { hmacIdTokens: true }));

  it('refuses HS256 keyed by a client secret shorter than the hash (RFC 7518 §3.2)', () =>
    expectRefused({ ...hs256, clientSecret: 'short-secret-31-bytes-xxxxxxxxx' }, /alg "HS256" needs a client secret of at least 32 bytes \(RFC 7518 §3\.2\); this one has 31$/, { hmacIdTokens: true }));

  // oauth4webapi holds the alg to the announced list first; our own check is the second line.
  it('refuses HS256 when discovery does not announce it', () => expectRefused({ idToken: { alg: 'HS256' } }, /unexpected JWT "alg" header parameter/, { hmacIdTokens: true }));

  it('still refuses alg none', () => expectRefused({ signingAlgs: ['RS256', 'HS256', 'none'], idToken: { alg: 'none' } }, /alg "none" refused/, { hmacIdTokens: true }));
});
