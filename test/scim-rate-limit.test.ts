/**
 * SCIM requests per token (wrangler.toml: 1,000 per 10 s, counted in steps of 10): past the limit,
 * 429 in the SCIM error shape with Retry-After; another token of the same tenant is not held back.
 * The limiter counts in fixed periods, so within two periods' worth of requests one must overflow.
 */
import { expect, it } from 'vitest';
import { REQUESTS_PER_CALL } from '../src/scim/auth/rate-limit.ts';
import { createScimToken } from '../src/tenants/tenant-store.ts';
import { db, scimClient, tenantRow, tenantWithToken } from './support/tenants.ts';

const LIMIT = 1000;

it('answers 429 with Retry-After once a token passes its limit, and other tokens keep working', async () => {
  const t = await tenantWithToken();
  let limited: Response | undefined;
  let sent = 0;
  while (!limited && sent < 2 * LIMIT + 2 * REQUESTS_PER_CALL) {
    const wave = await Promise.all(Array.from({ length: 50 }, () => t.scim.get('/ServiceProviderConfig')));
    sent += wave.length;
    for (const response of wave) {
      if (response.status === 429 && !limited) limited = response;
      else await response.arrayBuffer();
      expect([200, 429]).toContain(response.status);
    }
  }
  expect(limited, `no 429 within ${sent} requests`).toBeDefined();
  expect(sent).toBeGreaterThan(LIMIT);
  expect(limited!.headers.get('retry-after')).toBe('10');
  expect(limited!.headers.get('content-type')).toMatch(/^application\/scim\+json/);
  expect(await limited!.json()).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: '429', detail: expect.stringMatching(/Too many requests with this SCIM token/) });
  const other = await createScimToken(db(), await tenantRow(t.slug), 'other', undefined);
  expect((await scimClient(t.slug, other.token).get('/ServiceProviderConfig')).status).toBe(200);
});
