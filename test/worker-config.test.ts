/** The Worker's configuration: checked once per isolate, with an error that says what is wrong. */
import { describe, expect, it } from 'vitest';
import { configOf } from '../src/config.ts';

const KEY = btoa(String.fromCharCode(...new Uint8Array(32).fill(7)));
/** Retries from 30 s doubling to an hour, for three days before an endpoint is disabled. */
const PRODUCTION_WEBHOOKS = { retryBaseSeconds: 30, retryMaxSeconds: 3600, disableAfterSeconds: 259_200, timeoutSeconds: 10 };

describe('configOf', () => {
  it('parses SECRETS_KEY and LOCAL_DEV, and hands back the same config for the same env', () => {
    const env = { SECRETS_KEY: KEY, LOCAL_DEV: 'true' };
    const config = configOf(env);
    expect(config).toMatchObject({ secretsKey: KEY, localDev: true });
    expect(configOf(env)).toBe(config);
    expect(configOf({ SECRETS_KEY: KEY })).toEqual({ secretsKey: KEY, localDev: false, eventRetentionDays: 30, auditRetentionDays: 90, webhooks: PRODUCTION_WEBHOOKS, sessionTokens: { audience: undefined, ttlSeconds: 300, redirectUris: [] }, dohUrl: 'https://cloudflare-dns.com/dns-query', tenantLocationHint: undefined });
    expect(configOf({ SECRETS_KEY: KEY, LOCAL_DEV: 'false' }).localDev).toBe(false);
  });

  it.each([
    [{ SECRETS_KEY: undefined as unknown as string }, /SECRETS_KEY is not set: `wrangler secret put SECRETS_KEY`/],
    [{ SECRETS_KEY: '' }, /SECRETS_KEY is not set/],
    [{ SECRETS_KEY: 'not base64 at all!' }, /SECRETS_KEY is not base64/],
    [{ SECRETS_KEY: btoa('sixteen bytes!!!') }, /SECRETS_KEY must be base64 of 32 bytes, got 16/],
    [{ SECRETS_KEY: KEY, LOCAL_DEV: 'yes' }, /LOCAL_DEV must be "true" or "false", got "yes"/],
    [{ SECRETS_KEY: KEY, EVENT_RETENTION_DAYS: '7' }, /EVENT_RETENTION_DAYS must be at least 30 outside local development, got 7/],
    [{ SECRETS_KEY: KEY, EVENT_RETENTION_DAYS: '30d' }, /EVENT_RETENTION_DAYS must be a positive whole number, got "30d"/],
    [{ SECRETS_KEY: KEY, TENANT_LOCATION_HINT: 'eu-west' }, /TENANT_LOCATION_HINT must be one of wnam, enam, sam, weur, eeur, apac, oc, afr, me \(as the D1 database's --location\), got "eu-west"/],
    [{ SECRETS_KEY: KEY, AUDIT_RETENTION_DAYS: '3' }, /AUDIT_RETENTION_DAYS must be at least 7 outside local development, got 3/],
    [{ SECRETS_KEY: KEY, AUDIT_RETENTION_DAYS: '-90' }, /AUDIT_RETENTION_DAYS must be a positive whole number, got "-90"/],
    [{ SECRETS_KEY: KEY, WEBHOOK_DISABLE_AFTER_SECONDS: '3600' }, /WEBHOOK_DISABLE_AFTER_SECONDS must be at least 86400 outside local development/],
    [{ SECRETS_KEY: KEY, WEBHOOK_TIMEOUT_SECONDS: '0' }, /WEBHOOK_TIMEOUT_SECONDS must be a positive whole number, got "0"/],
    [{ SECRETS_KEY: KEY, WEBHOOK_RETRY_BASE_SECONDS: '-5' }, /WEBHOOK_RETRY_BASE_SECONDS must be a positive whole number/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_TTL_SECONDS: '7200' }, /SESSION_TOKEN_TTL_SECONDS must be at most 3600, got 7200/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: 'http://app.example/done' }, /SESSION_TOKEN_REDIRECT_URIS: "http:\/\/app.example\/done" must be https/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: 'https://app.example/done#x' }, /without a fragment/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: 'https://app.example/ok, myapp:/done' }, /"myapp:\/done" must be/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: 'https://u:p@app.example/done' }, /must be https/],
    [{ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: 'http://127.0.0.1:3000/done' }, /with LOCAL_DEV, http on loopback/],
    [{ SECRETS_KEY: KEY, DOH_URL: 'http://resolver.example/dns-query' }, /DOH_URL must be https:\/\//],
    [{ SECRETS_KEY: KEY, DOH_URL: 'not a url' }, /DOH_URL must be a URL/],
  ])('refuses %j precisely', (env, message) => {
    expect(() => configOf(env)).toThrow(message);
  });

  it('takes the URIs a session token may be handed to, and a resolver of your own', () => {
    const config = configOf({ SECRETS_KEY: KEY, SESSION_TOKEN_REDIRECT_URIS: ' https://app.example/signed-in ,com.acme.app:/signed-in', DOH_URL: 'https://dns.internal.example/dns-query' });
    expect(config.sessionTokens.redirectUris).toEqual(['https://app.example/signed-in', 'com.acme.app:/signed-in']);
    expect(config.dohUrl).toBe('https://dns.internal.example/dns-query');
    expect(configOf({ SECRETS_KEY: KEY, LOCAL_DEV: 'true', SESSION_TOKEN_REDIRECT_URIS: 'http://127.0.0.1:3000/done', DOH_URL: 'http://127.0.0.1:5353/dns-query' })).toMatchObject({ sessionTokens: { redirectUris: ['http://127.0.0.1:3000/done'] }, dohUrl: 'http://127.0.0.1:5353/dns-query' });
  });

  it('takes a location hint for tenant objects', () => {
    expect(configOf({ SECRETS_KEY: KEY, TENANT_LOCATION_HINT: 'weur' }).tenantLocationHint).toBe('weur');
  });

  it('takes shorter retention and retries in local development, as the tests do', () => {
    const config = configOf({ SECRETS_KEY: KEY, LOCAL_DEV: 'true', EVENT_RETENTION_DAYS: '1', WEBHOOK_RETRY_BASE_SECONDS: '1', WEBHOOK_RETRY_MAX_SECONDS: '2', WEBHOOK_DISABLE_AFTER_SECONDS: '5', WEBHOOK_TIMEOUT_SECONDS: '1' });
    expect(config).toMatchObject({ eventRetentionDays: 1, webhooks: { retryBaseSeconds: 1, retryMaxSeconds: 2, disableAfterSeconds: 5, timeoutSeconds: 1 } });
  });
});
