/** A tenant's OIDC connection as stored: validated once, the secret sealed, http:// only for local loopback. */
import { env } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { oidcConnections } from '../src/db/schema.ts';
import { getConnectionInfo, loadSignInSetup, openClientSecret, setConnection } from '../src/oidc/connection-store.ts';
import { initiatingIssuerMatches, issuerProblem } from '../src/oidc/issuer-url.ts';
import { db, tenantRow, tenantWithToken } from './support/tenants.ts';

describe('issuer URLs', () => {
  it('allows https anywhere and http only on loopback in local development', () => {
    expect(issuerProblem('https://acme.okta.com', false)).toBeUndefined();
    expect(issuerProblem('https://acme.okta.com/oauth2/default', false)).toBeUndefined();
    expect(issuerProblem('http://127.0.0.1:9000', true)).toBeUndefined();
    expect(issuerProblem('http://localhost:9000/oauth2/default', true)).toBeUndefined();
    expect(issuerProblem('http://127.0.0.1:9000', false)).toMatch(/only in local development/);
    expect(issuerProblem('http://acme.okta.com', true)).toMatch(/must use https/);
    expect(issuerProblem('http://127.0.0.1.nip.io', true)).toMatch(/must use https/);
    expect(issuerProblem('https://acme.okta.com?x=1', false)).toMatch(/query or fragment/);
    expect(issuerProblem('not a url', false)).toMatch(/not a URL/);
  });
});

describe('the iss of an IdP-initiated login', () => {
  it('is the issuer exactly, or the Okta org of a custom authorization server', () => {
    expect(initiatingIssuerMatches('https://acme.okta.com', 'https://acme.okta.com')).toBe(true);
    expect(initiatingIssuerMatches('https://acme.okta.com/oauth2/default', 'https://acme.okta.com/oauth2/default')).toBe(true);
    expect(initiatingIssuerMatches('https://acme.okta.com', 'https://acme.okta.com/oauth2/default')).toBe(true);
    expect(initiatingIssuerMatches('https://acme.okta.com/', 'https://acme.okta.com')).toBe(false);
    expect(initiatingIssuerMatches('https://evil.okta.com', 'https://acme.okta.com/oauth2/default')).toBe(false);
    expect(initiatingIssuerMatches('https://acme.okta.com/oauth2/other', 'https://acme.okta.com/oauth2/default')).toBe(false);
    expect(initiatingIssuerMatches('https://login.microsoftonline.com', 'https://login.microsoftonline.com/tenant-id/v2.0')).toBe(false);
  });
});

describe('setConnection', () => {
  it('seals the client secret (never stored in clear) and opens it for sign-in', async () => {
    const { tenant } = await tenantWithToken();
    const info = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { issuer: 'https://acme.okta.com', clientId: '0oa123', clientSecret: 'very-secret-value' }, false);
    expect(info).toMatchObject({ tokenAuthMethod: 'client_secret_basic', scopes: 'openid email profile', groupsClaim: 'groups', groupsFilter: '.*', hasClientSecret: true, jit: false });
    expect(JSON.stringify(info)).not.toContain('very-secret-value');
    const row = await db().select().from(oidcConnections).where(eq(oidcConnections.tenantId, tenant.id)).get();
    expect(row!.clientSecretEncrypted).toMatch(/^v1\./);
    expect(row!.clientSecretEncrypted).not.toContain('very-secret-value');
    expect(await openClientSecret(env.SECRETS_KEY, (await loadSignInSetup(db(), { slug: tenant.slug }))!.connection!)).toBe('very-secret-value');
  });

  it('keeps unspecified settings on update and follows the secret for the auth method', async () => {
    const { tenant } = await tenantWithToken({ scimEnabled: false });
    const first = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { issuer: 'https://acme.okta.com', clientId: 'spa', scopes: 'openid email profile groups' }, false);
    expect(first).toMatchObject({ tokenAuthMethod: 'none', hasClientSecret: false, jit: true });
    const post = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { clientSecret: 's3cret', tokenAuthMethod: 'client_secret_post' }, false);
    expect(post).toMatchObject({ issuer: 'https://acme.okta.com', clientId: 'spa', tokenAuthMethod: 'client_secret_post', scopes: 'openid email profile groups', hasClientSecret: true });
    const rotated = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { clientSecret: 'rotated' }, false);
    expect(rotated.tokenAuthMethod).toBe('client_secret_post');
    expect(await getConnectionInfo(db(), tenant.id)).toMatchObject({ tokenAuthMethod: 'client_secret_post', hasClientSecret: true });
  });

  it('turns HMAC-signed ID tokens on only for a client with a secret, and keeps the choice until changed', async () => {
    const { tenant } = await tenantWithToken();
    const secretless = { issuer: 'https://acme.okta.com', clientId: 'spa', tokenAuthMethod: 'none' as const, hmacIdTokens: true };
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), secretless, false)).rejects.toThrow(/public client .*--hmac-id-tokens off/);
    expect(await getConnectionInfo(db(), tenant.id)).toBeUndefined();

    const first = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { issuer: 'https://acme.okta.com', clientId: 'web', clientSecret: 's3cret' }, false);
    expect(first.hmacIdTokens).toBe(false);
    await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { hmacIdTokens: true }, false);
    expect((await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { scopes: 'openid email' }, false)).hmacIdTokens).toBe(true);
    const reloaded = (await loadSignInSetup(db(), { slug: tenant.slug }))!.connection!;
    expect(reloaded).toMatchObject({ hmacIdTokens: true });
    expect(await openClientSecret(env.SECRETS_KEY, reloaded)).toBe('s3cret');
    // Dropping the secret while the setting stays on would leave HMAC tokens without a key.
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { clientSecret: null, tokenAuthMethod: 'none' }, false)).rejects.toThrow(/--hmac-id-tokens off/);
    const publicClient = await setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), { clientSecret: null, tokenAuthMethod: 'none', hmacIdTokens: false }, false);
    expect(publicClient).toMatchObject({ tokenAuthMethod: 'none', hasClientSecret: false, hmacIdTokens: false });
  });

  it.each([
    [{ issuer: 'http://acme.okta.com', clientId: 'x' }, /https/],
    [{ issuer: 'https://acme.okta.com', clientId: 'x', scopes: 'email profile' }, /openid/],
    [{ issuer: 'https://acme.okta.com', clientId: 'x', groupsFilter: '(unclosed' }, /regular expression/],
    [{ issuer: 'https://acme.okta.com', clientId: 'x', tokenAuthMethod: 'client_secret_basic' as const }, /needs a client secret/],
    [{ issuer: 'https://acme.okta.com', clientId: 'x', clientSecret: 's', tokenAuthMethod: 'none' as const }, /public client/],
    [{ issuer: 'https://acme.okta.com' }, /needs an issuer and a client id/],
  ])('refuses %j', async (update, problem) => {
    const { tenant } = await tenantWithToken();
    await expect(setConnection(db(), env.SECRETS_KEY, await tenantRow(tenant.slug), update, true)).rejects.toThrow(problem);
  });
});
