/**
 * Which provider URLs we fetch: outside local development never an internal host (loopback,
 * private, link-local and metadata addresses, internal names), and never more than a bounded
 * response, so an issuer can neither point the Worker inward nor exhaust it.
 */
import { describe, expect, it } from 'vitest';
import { issuerProblem } from '../src/oidc/issuer-url.ts';
import { endpointsProblem } from '../src/oidc/provider.ts';
import { MAX_PROVIDER_RESPONSE_BYTES, providerFetch, providerHostProblem } from '../src/oidc/provider-fetch.ts';
import { fakeScenario, fakeTenant, signInAudit } from './support/sign-in.ts';

describe('providerHostProblem', () => {
  it.each([
    'https://127.0.0.1',
    'https://127.8.9.10:8443',
    'https://10.1.2.3',
    'https://172.16.0.1',
    'https://172.31.255.255',
    'https://192.168.1.1',
    'https://169.254.169.254',
    'https://100.64.0.1',
    'https://0.0.0.0',
    'https://224.0.0.1',
    'https://[::1]',
    'https://[fd00::1]',
    'https://[fe80::1]',
    'https://[::ffff:10.0.0.1]',
    'https://localhost',
    'https://idp.localhost',
    'https://metadata.google.internal',
    'https://corp.internal',
    'https://printer.local',
  ])('refuses %s', (url) => {
    expect(providerHostProblem(new URL(url))).toMatch(/loopback, private, link-local or metadata host/);
  });

  it.each(['https://acme.okta.com', 'https://login.microsoftonline.com/tenant/v2.0', 'https://8.8.8.8', 'https://172.32.0.1', 'https://100.128.0.1', 'https://[2001:db8::1]', 'https://internal.example.com'])(
    'accepts %s',
    (url) => {
      expect(providerHostProblem(new URL(url))).toBeUndefined();
    },
  );
});

describe('issuer and discovered endpoints outside local development', () => {
  it('refuses an issuer on an internal host, and allows it in local development', () => {
    expect(issuerProblem('https://169.254.169.254/latest', false)).toMatch(/metadata host/);
    expect(issuerProblem('https://10.0.0.5', false)).toMatch(/private/);
    expect(issuerProblem('https://acme.okta.com', false)).toBeUndefined();
    expect(issuerProblem('https://10.0.0.5', true)).toBeUndefined();
  });

  it('refuses a discovery document that names an internal endpoint', () => {
    const as = { issuer: 'https://acme.okta.com', authorization_endpoint: 'https://acme.okta.com/authorize', token_endpoint: 'https://acme.okta.com/token', jwks_uri: 'https://169.254.169.254/keys' };
    expect(endpointsProblem(as, false)).toMatch(/discovery names https:\/\/169\.254\.169\.254\/keys/);
    expect(endpointsProblem({ ...as, jwks_uri: 'https://acme.okta.com/keys' }, false)).toBeUndefined();
    expect(endpointsProblem(as, true)).toBeUndefined();
  });

  it('refuses to fetch an internal host whatever URL leads there', async () => {
    await expect(providerFetch(false)('https://192.168.0.1/.well-known/openid-configuration')).rejects.toThrow(/private/);
  });
});

describe('response size', () => {
  it(`reads at most ${MAX_PROVIDER_RESPONSE_BYTES} bytes of a provider's answer: a huge key set fails the sign-in with the reason`, async () => {
    const scenario = await fakeScenario({ jwksPaddingBytes: MAX_PROVIDER_RESPONSE_BYTES + 1 });
    const t = await fakeTenant(scenario);
    const { response } = await t.signIn();
    expect(response.status).toBe(502);
    expect((await signInAudit(t.tenant.id))[0]!.detail).toMatch(/at most 262144 (are|is) read from a provider|more than 262144 bytes/);
  });
});
