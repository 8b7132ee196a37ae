/**
 * Requiring SSO per tenant: set with the connection (CLI, setup page), refused with the reason
 * while the provider does not check out, and shown where the host app decides how its people may
 * sign in: the tenant's API answer and the session token.
 */
import { env, SELF } from 'cloudflare:test';
import { decodeJwt } from 'jose';
import { describe, expect, it } from 'vitest';
import { createApiKey } from '../src/api/api-keys.ts';
import { getConnectionInfo, setConnection } from '../src/oidc/connection-store.ts';
import { addDomain } from '../src/tenants/domain-store.ts';
import { OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { app, oktaIssuer, signedInOktaUser, ssoTenant } from './support/sign-in.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

const client = OKTA_CLIENTS.basic;
const connection = () => ({ issuer: oktaIssuer(), clientId: client.clientId, clientSecret: client.clientSecret, tokenAuthMethod: client.tokenAuthMethod });

async function tenantAnswer(slug: string): Promise<{ requireSso: boolean }> {
  const { key } = await createApiKey(db(), 'sso-test');
  const res = await SELF.fetch(`https://edge.test/api/v1/tenants/${slug}`, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  return res.json();
}

describe('requiring SSO', () => {
  it('is off by default; on for a provider that checks out, in the API answer and in the session token', async () => {
    const t = await signedInOktaUser();
    expect(t.connection.requireSso).toBe(false);
    expect((await tenantAnswer(t.slug)).requireSso).toBe(false);
    const on = await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { requireSso: true }, true);
    expect(on.requireSso).toBe(true);
    expect((await tenantAnswer(t.slug)).requireSso).toBe(true);
    const issued = (await (await app(t.jar, '/auth/token')).json()) as { token: string };
    expect(decodeJwt(issued.token)).toMatchObject({ tenant: t.slug, requireSso: true });
  });

  it('is refused with the reason while the provider does not check out, and nothing changes', async () => {
    const t = await tenantWithToken();
    const unreachable = { issuer: 'http://127.0.0.1:9/nobody', clientId: 'c', clientSecret: 's', tokenAuthMethod: 'client_secret_basic' as const };
    // The reason is the message; the CLI adds the command that shows the whole check.
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { ...unreachable, requireSso: true }, true)).rejects.toMatchObject({
      message: expect.stringMatching(/^SSO cannot be required while the provider does not check out: discovery at http:\/\/127\.0\.0\.1:9\/nobody/),
      refusal: 'conflict',
      cliHint: `oidc test ${t.slug}`,
    });
    expect(await getConnectionInfo(db(), t.tenant.id)).toBeUndefined();
    // Without the requirement the same connection saves (it is checked on `oidc test`), and requiring it later is refused too.
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), unreachable, true);
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { requireSso: true }, true)).rejects.toThrow(/SSO cannot be required/);
    expect((await getConnectionInfo(db(), t.tenant.id))!.requireSso).toBe(false);
  });

  it('a required tenant moving to another issuer is checked again; lifting the requirement is never refused', async () => {
    const t = await ssoTenant({ ...connection(), requireSso: true });
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { issuer: 'http://127.0.0.1:9/elsewhere' }, true)).rejects.toThrow(/SSO cannot be required/);
    expect((await getConnectionInfo(db(), t.tenant.id))!.issuer).toBe(oktaIssuer());
    expect((await setConnection(db(), env.SECRETS_KEY, await tenantRow(t.slug), { requireSso: false, issuer: 'http://127.0.0.1:9/elsewhere' }, true)).requireSso).toBe(false);
  });

  it('home-realm discovery: a verified domain names its tenant, whether SSO is required and where sign-in starts; others are 404', async () => {
    const t = await ssoTenant({ ...connection(), requireSso: true });
    const other = await tenantWithToken();
    const domain = `${t.slug}.example`;
    await addDomain(db(), await tenantRow(t.slug), domain, true);
    await addDomain(db(), await tenantRow(t.slug), `unverified-${domain}`, false);
    const lookup = (name: string, key: string) => SELF.fetch(`https://edge.test/api/v1/domains/${name}`, { headers: { authorization: `Bearer ${key}` } });
    const operator = (await createApiKey(db(), 'hrd')).key;
    const found = await lookup(domain.toUpperCase(), operator);
    expect(found.status).toBe(200);
    expect(await found.json()).toEqual({ domain, tenant: t.slug, requireSso: true, signInUrl: `https://edge.test/auth/${t.slug}/login` });
    expect((await lookup(domain, (await createApiKey(db(), 'own', await tenantRow(t.slug))).key)).status).toBe(200);
    for (const [name, key] of [
      [`unverified-${domain}`, operator],
      ['nobody.example', operator],
      [domain, (await createApiKey(db(), 'foreign', await tenantRow(other.slug))).key],
    ] as const) {
      const res = await lookup(name, key);
      expect(res.status, name).toBe(404);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
    }
    const malformed = await lookup('not_a%20domain', operator);
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { detail: string }).detail).toMatch(/^domain: "not_a domain" is not a domain name/);
  });
});
