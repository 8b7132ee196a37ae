/** Domain ownership rules and the provider check behind `oidc test`, run directly on the stores. */
import { env } from 'cloudflare:test';
import { describe, expect, inject, it } from 'vitest';
import { addDomain, listDomains, normalizeDomain, tenantSlugForEmail, verificationRecord, verifyDomain } from '../src/tenants/domain-store.ts';
import { checkProvider } from '../src/oidc/provider-check.ts';
import { fakeScenario } from './support/sign-in.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

const settings = (issuer: string) => ({ issuer, clientId: 'fake-client', tokenAuthMethod: 'client_secret_basic' as const, scopes: 'openid email profile', groupsClaim: 'groups', groupsFilter: '.*', jit: false, hmacIdTokens: false, trustUnverifiedEmail: false, linkPreferredUsername: false, requireSso: false });

describe('email domains', () => {
  it('routes only verified domains, one tenant per domain', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const domain = `${a.slug}.example`;
    await addDomain(db(), await tenantRow(a.slug), domain.toUpperCase(), false);
    expect(await tenantSlugForEmail(db(), `x@${domain}`)).toBeUndefined();
    await expect(addDomain(db(), await tenantRow(b.slug), domain, true)).rejects.toThrow(/belongs to another tenant/);

    const record = await verificationRecord(env.SECRETS_KEY, a.tenant.id, domain);
    await expect(verifyDomain(db(), env.SECRETS_KEY, await tenantRow(a.slug), domain, async () => ['unrelated'])).rejects.toThrow(record.value);
    // The record proves control for this tenant only: another tenant's value does not verify.
    const other = await verificationRecord(env.SECRETS_KEY, b.tenant.id, domain);
    await expect(verifyDomain(db(), env.SECRETS_KEY, await tenantRow(a.slug), domain, async () => [other.value])).rejects.toThrow(/does not hold/);
    await verifyDomain(db(), env.SECRETS_KEY, await tenantRow(a.slug), domain, async (name) => (name === record.name ? [record.value] : []));
    expect(await tenantSlugForEmail(db(), `Someone@${domain.toUpperCase()}`)).toBe(a.slug);
    expect((await listDomains(db(), await tenantRow(a.slug))).map((d) => d.domain)).toEqual([domain]);
  });

  it('accepts host names only', () => {
    expect(normalizeDomain(' Acme.COM. ')).toBe('acme.com');
    for (const bad of ['acme', '*.acme.com', 'acme..com', 'http://acme.com', 'acme.com/x', '-acme.com']) expect(() => normalizeDomain(bad)).toThrow(/not a domain/);
  });
});

describe('provider check (oidc test)', () => {
  it('reports endpoints, keys and RFC 9207 support of a good provider', async () => {
    const scenario = await fakeScenario();
    const report = await checkProvider(settings(scenario.issuer), true);
    expect(report).toMatchObject({ ok: true, issParameter: true, idTokenAlgs: ['RS256'], problems: [], endpoints: { jwks: `${scenario.issuer}/jwks` } });
    expect(report.signingKeys).toEqual([{ kid: `${scenario.id}-k1`, kty: 'RSA', alg: 'RS256' }]);
  });

  it('reports an issuer mismatch, a provider without discovery, and an http issuer outside local development', async () => {
    const mismatch = await fakeScenario({ discoveryIssuer: 'https://evil.example' });
    expect((await checkProvider(settings(mismatch.issuer), true)).problems.join()).toMatch(/issuer/);
    const gone = `${inject('fakeOpBase')}/s/no-such-issuer`;
    expect((await checkProvider(settings(gone), true)).problems.join()).toMatch(/discovery at .*no-such-issuer.* failed/);
    const scenario = await fakeScenario();
    expect((await checkProvider(settings(scenario.issuer), true)).ok).toBe(true);
    expect((await checkProvider(settings(scenario.issuer), false)).problems.join()).toMatch(/allowed only in local development/);
  });

  it('counts an HMAC ID token algorithm only when the tenant accepts HMAC-signed ID tokens', async () => {
    const scenario = await fakeScenario({ signingAlgs: ['HS256'] });
    const off = await checkProvider(settings(scenario.issuer), true);
    expect(off.problems).toEqual(['no asymmetric ID token algorithm among HS256 (HMAC-signed ID tokens need --hmac-id-tokens on)']);
    const on = await checkProvider({ ...settings(scenario.issuer), hmacIdTokens: true }, true);
    expect(on).toMatchObject({ ok: true, idTokenAlgs: ['HS256'], problems: [] });
    const none = await fakeScenario({ signingAlgs: ['none'] });
    expect((await checkProvider({ ...settings(none.issuer), hmacIdTokens: true }, true)).problems).toEqual(['no asymmetric or HMAC ID token algorithm among none']);
  });
});
