/**
 * The management API's front door (`/api/v1`): operator API keys (hash-only, revocable at once,
 * tenant-bound or operator-wide) and RFC 9457 problem details for every refusal.
 */
import { SELF } from 'cloudflare:test';
import { eq } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { createApiKey, revokeApiKey } from '../src/api/api-keys.ts';
import { apiKeys } from '../src/db/schema.ts';
import { db, tenantWithToken } from './support/tenants.ts';

const api = (path: string, key?: string, init: RequestInit = {}) =>
  SELF.fetch(`https://edge.test/api/v1${path}`, { ...init, headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(init.headers as Record<string, string> | undefined) } });

async function problem(res: Response, status: number) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  expect(res.headers.get('cache-control')).toBe('no-store');
  const body = (await res.json()) as { type: string; title: string; status: number; detail: string };
  expect(body).toMatchObject({ type: 'about:blank', status });
  expect(body.title.length).toBeGreaterThan(0);
  return body;
}

describe('API keys', () => {
  it('are 256 random bits behind eid_api_, stored only as their SHA-256 hash', async () => {
    const { info, key } = await createApiKey(db(), 'app');
    expect(key).toMatch(/^eid_api_[A-Za-z0-9_-]{43}$/);
    const row = await db().select().from(apiKeys).where(eq(apiKeys.id, info.id)).get();
    expect(row!.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(key.slice('eid_api_'.length));
  });

  it('a tenant-bound key reads its tenant only: another tenant, known or not, is 403', async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const { info, key } = await createApiKey(db(), 'a-app', a.tenant);
    const own = await api(`/tenants/${a.slug}`, key);
    expect(own.status).toBe(200);
    expect(await own.json()).toMatchObject({ id: a.tenant.id, slug: a.slug, scimEnabled: true });
    expect((await problem(await api(`/tenants/${b.slug}`, key), 403)).detail).toMatch(/bound to another tenant/);
    await problem(await api('/tenants/no-such-tenant', key), 403);
    expect(await (await api('/', key)).json()).toEqual({ key: { id: info.id, label: 'a-app', tenantId: a.tenant.id, scope: 'tenant' } });
  });

  it("an operator key reads every tenant; an unknown tenant is 404", async () => {
    const a = await tenantWithToken();
    const { key } = await createApiKey(db(), 'operator');
    expect((await api(`/tenants/${a.slug}`, key)).status).toBe(200);
    expect((await problem(await api('/tenants/no-such-tenant', key), 404)).detail).toBe('There is no tenant "no-such-tenant".');
    expect(((await (await api('/', key)).json()) as { key: { scope: string } }).key.scope).toBe('operator');
  });

  it('no key, a malformed one, an unknown one and a revoked one are 401 with a Bearer challenge', async () => {
    const { info, key } = await createApiKey(db(), 'soon revoked');
    expect((await api('/', key)).status).toBe(200);
    await revokeApiKey(db(), info.id);
    const forged = `eid_api_${'A'.repeat(43)}`;
    for (const presented of [undefined, 'garbage', forged, key]) {
      const res = await api('/', presented);
      const body = await problem(res, 401);
      expect(res.headers.get('www-authenticate')).toBe('Bearer realm="edge-identity-api"');
      expect(body.detail).toMatch(presented === undefined ? /Send an API key/ : /unknown or revoked/);
    }
    // A SCIM token is no API key.
    const t = await tenantWithToken();
    await problem(await api(`/tenants/${t.slug}`, t.token), 401);
  });

  it('an unknown endpoint or method is a 404 problem, never a SCIM or HTML error', async () => {
    const { key } = await createApiKey(db(), 'app');
    expect((await problem(await api('/nothing/here', key), 404)).detail).toBe('There is no GET /api/v1/nothing/here in the management API.');
    await problem(await api('/tenants/x', key, { method: 'DELETE' }), 404);
    expect((await problem(await SELF.fetch('https://edge.test/api/v2/tenants'), 404)).detail).toBe('There is no GET /api/v2/tenants in the management API.');
  });

  it('revoking twice or an unknown id says so', async () => {
    const { info } = await createApiKey(db(), 'app');
    await revokeApiKey(db(), info.id);
    await expect(revokeApiKey(db(), info.id)).rejects.toThrow(/already revoked/);
    await expect(revokeApiKey(db(), 'key_nosuchkey')).rejects.toThrow(/there is no API key "key_nosuchkey"/);
  });
});
