import { env } from 'cloudflare:test';
import { describe, expect, it, vi } from 'vitest';
import { revokeScimToken } from '../src/tenants/tenant-store.ts';
import { constantTimeEqual, generateScimToken, hashToken, looksLikeScimToken, parseDuration } from '../src/tenants/tokens.ts';
import { db, oktaNewUser, scimClient, tenantRow, tenantWithToken, announce } from './support/tenants.ts';

describe('SCIM tokens', () => {
  it('are 256 random bits behind a scannable prefix', () => {
    const a = generateScimToken();
    const b = generateScimToken();
    expect(a).toMatch(/^eid_scim_[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    expect(looksLikeScimToken(a)).toBe(true);
    expect(looksLikeScimToken('eid_scim_short')).toBe(false);
    expect(looksLikeScimToken('non-token')).toBe(false);
  });

  it('hash to SHA-256 hex and compare in constant time', async () => {
    expect(await hashToken('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(constantTimeEqual('abcd', 'abcd')).toBe(true);
    expect(constantTimeEqual('abcd', 'abce')).toBe(false);
    expect(constantTimeEqual('abcd', 'abc')).toBe(false);
  });

  it('parse durations for --expires-in', () => {
    expect(parseDuration('365d')).toBe(365 * 86400);
    expect(parseDuration('12h')).toBe(43200);
    expect(parseDuration('0d')).toBeUndefined();
    expect(parseDuration('soon')).toBeUndefined();
  });

  it('never reach D1 in plain text, the audit log included', async () => {
    const { token, scim } = await tenantWithToken();
    expect((await scim.post('/Users', oktaNewUser('plain.text@example.com'))).status).toBe(201);
    const tables = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%'").all<{ name: string }>();
    expect(tables.results.map((t) => t.name)).toEqual(expect.arrayContaining(['tenants', 'scim_tokens', 'users', 'groups', 'group_members', 'audit_log']));
    for (const { name } of tables.results) {
      const rows = await env.DB.prepare(`SELECT * FROM "${name}"`).all();
      const dump = JSON.stringify(rows.results);
      expect(dump, name).not.toContain(token);
      expect(dump, name).not.toContain(token.slice('eid_scim_'.length));
      expect(dump, name).not.toContain('Sup3r-Secret!');
    }
  });

  it('stop working on the very next request after revocation, while another token keeps working', async () => {
    const { slug, token, tokenId, scim } = await tenantWithToken();
    expect((await scim.get('/Users')).status).toBe(200);
    const { createScimToken } = await import('../src/tenants/tenant-store.ts');
    const second = await createScimToken(db(), await tenantRow(slug), 'rotation', undefined);
    await revokeScimToken(db(), announce, await tenantRow(slug), tokenId);
    const refused = await scim.get('/Users');
    expect(refused.status).toBe(401);
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(await refused.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '401', detail: expect.stringMatching(/revoked/) });
    expect((await scimClient(slug, second.token).get('/Users')).status).toBe(200);
    expect(token).not.toBe(second.token);
  });

  it('expire: refused on the first request after the expiry time, by the Worker and the tenant object alike', async () => {
    const { slug, scim } = await tenantWithToken({ expiresInSeconds: 3600 });
    // Seen live first, so the Worker and the tenant object both hold the token when its time runs out.
    expect((await scim.get('/Users')).status).toBe(200);
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.now() + 3601 * 1000);
      const res = await scim.get('/Users');
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ detail: expect.stringMatching(/expired/) });
    } finally {
      vi.useRealTimers();
    }
    expect(slug).toBeTruthy();
  });

  it('are accepted raw (Okta "HTTP Header" mode) and with any-case Bearer; garbage is 401 in the SCIM shape', async () => {
    const { slug, token } = await tenantWithToken();
    for (const authorization of [token, `bearer ${token}`, `BEARER ${token}`, `Bearer   ${token}`]) {
      expect((await scimClient(slug, token, authorization).get('/Users?startIndex=1&count=2')).status, authorization).toBe(200);
    }
    for (const authorization of ['non-token', '', 'Basic dXNlcjpwYXNz', `Bearer ${token}x`]) {
      const res = await scimClient(slug, token, authorization).get('/Users');
      expect(res.status, authorization).toBe(401);
      expect(res.headers.get('content-type')).toMatch(/^application\/scim\+json/);
      expect(await res.json()).toMatchObject({ status: '401', detail: expect.any(String) });
    }
  });
});

describe('tenants', () => {
  it("are fully separate: A's token cannot read or write B, and B's users never show in A", async () => {
    const a = await tenantWithToken();
    const b = await tenantWithToken();
    const created = await b.scim.post('/Users', oktaNewUser('only.in.b@example.com'));
    expect(created.status).toBe(201);
    const bUser = (await created.json()) as { id: string };
    const crossed = scimClient(b.slug, a.token);
    expect((await crossed.get('/Users')).status).toBe(401);
    expect((await crossed.post('/Users', oktaNewUser('intruder@example.com'))).status).toBe(401);
    expect((await a.scim.get(`/Users/${bUser.id}`)).status).toBe(404);
    expect((await a.scim.patch(`/Users/${bUser.id}`, { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', value: { active: false } }] })).status).toBe(404);
    expect((await a.scim.delete(`/Users/${bUser.id}`)).status).toBe(404);
    const listed = (await (await a.scim.get('/Users?filter=userName eq "only.in.b@example.com"')).json()) as { totalResults: number };
    expect(listed.totalResults).toBe(0);
    // The same userName may exist once per tenant.
    expect((await a.scim.post('/Users', oktaNewUser('only.in.b@example.com'))).status).toBe(201);
    expect((await b.scim.get(`/Users/${bUser.id}`)).status).toBe(200);
  });

  it('with SCIM disabled answer 403 in the SCIM error shape', async () => {
    const { scim } = await tenantWithToken({ scimEnabled: false });
    const res = await scim.get('/Users');
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ status: '403', detail: expect.stringMatching(/scim enable/) });
  });
});
