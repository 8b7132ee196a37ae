/**
 * Hostile input, thrown at the Worker in workerd (seeded, bounded): random and malformed SCIM
 * bodies, PATCH operations and paths, filters, and sign-in query strings. Whatever comes in: never a
 * 500, always the protocol's own error shape (SCIM JSON; the sign-in page), and a refused request
 * leaves the tenant's stored directory exactly as it was.
 */
import { env } from 'cloudflare:test';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { OKTA_CLIENTS } from './support/okta-fixtures.ts';
import { oktaNewGroup, oktaNewUser } from './support/okta-bodies.ts';
import { app, CookieJar, oktaIssuer, ssoTenant, TEST_APP_ORIGIN } from './support/sign-in.ts';
import type { ScimClient } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_URN = 'urn:ietf:params:scim:schemas:core:2.0:User';
const RUNS = 120;

let scim: ScimClient;
let tenantId: string;
let slug: string;
let userId: string;
let groupId: string;

beforeAll(async () => {
  const t = await ssoTenant({ issuer: oktaIssuer(), clientId: OKTA_CLIENTS.basic.clientId, clientSecret: OKTA_CLIENTS.basic.clientSecret });
  scim = t.scim;
  tenantId = t.tenant.id;
  slug = t.slug;
  userId = ((await (await scim.post('/Users', oktaNewUser('target@acme.test'))).json()) as { id: string }).id;
  groupId = ((await (await scim.post('/Groups', { ...oktaNewGroup('Targets'), members: [{ value: userId }] })).json()) as { id: string }).id;
});

/** Everything the tenant's directory stores, as one comparable string. */
async function directory(): Promise<string> {
  const read = (sql: string) => env.DB.prepare(sql).bind(tenantId).all();
  const parts = await Promise.all([
    read('SELECT id, version, user_name, external_id, active, data FROM users WHERE tenant_id = ? ORDER BY seq'),
    read('SELECT user_id, value, type, "primary" FROM user_emails WHERE tenant_id = ? ORDER BY user_id, value'),
    read('SELECT id, version, display_name, data FROM groups WHERE tenant_id = ? ORDER BY seq'),
    read('SELECT group_id, user_id FROM group_members WHERE tenant_id = ? ORDER BY group_id, user_id'),
    read('SELECT resource_type, bucket, count FROM page_buckets WHERE tenant_id = ? ORDER BY resource_type, bucket'),
  ]);
  return JSON.stringify(parts.map((p) => p.results));
}

/** A SCIM answer: below 500; an error is RFC 7644 §3.12 JSON with the same status. */
async function expectScimAnswer(response: Response, what: string): Promise<number> {
  expect(response.status, what).toBeLessThan(500);
  if (response.status >= 400) {
    expect(response.headers.get('content-type'), what).toMatch(/^application\/scim\+json/);
    const body = (await response.json()) as { schemas: string[]; status: string; detail?: string };
    expect(body.schemas, what).toEqual(['urn:ietf:params:scim:api:messages:2.0:Error']);
    expect(body.status, what).toBe(String(response.status));
    expect(typeof body.detail, what).toBe('string');
  } else {
    await response.arrayBuffer();
  }
  return response.status;
}

/** Sends `send()` and, when it is refused, checks the directory did not change. */
async function refusedChangesNothing(send: () => Promise<Response>, what: string): Promise<void> {
  const before = await directory();
  const status = await expectScimAnswer(await send(), what);
  if (status >= 400) expect(await directory(), `${what} (refused with ${status})`).toBe(before);
}

// Strings an attacker reaches for: controls, quotes, brackets, URNs, huge and odd numbers, prototype keys.
const nasty = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', '"', '\\', '[', ']', '{', '}', '..', '__proto__', 'constructor', USER_URN, `${USER_URN}:emails`, 'emails[type eq "work"].value', 'members[value eq', 'x'.repeat(3000)),
  fc.integer().map(String),
);
const hostileJson = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  nasty,
  fc.constantFrom(null, true, 1e308, -0, [], {}, [[[[]]]], { __proto__: { active: false } }),
);
const attributeName = fc.oneof(fc.constantFrom('userName', 'active', 'emails', 'name', 'roles', 'groups', 'members', 'id', 'meta', 'schemas', 'externalId', USER_URN, 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'), nasty);

describe('SCIM under hostile input', () => {
  it('POST /Users with hostile bodies', async () => {
    const body = fc.oneof(
      hostileJson,
      fc.dictionary(attributeName, hostileJson, { maxKeys: 6 }).map((extra) => ({ schemas: [USER_URN], userName: 'fuzzed@acme.test', ...extra })),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const response = await scim.post('/Users', value);
        const status = await expectScimAnswer(response.clone(), 'POST /Users');
        // Whatever was created goes again, so each run starts from the same directory.
        if (status === 201) expect((await scim.delete(`/Users/${((await response.json()) as { id: string }).id}`)).status).toBe(204);
      }),
      { seed: 7, numRuns: RUNS },
    );
  });

  it('PATCH with hostile operations and paths changes nothing when refused', async () => {
    const operation = fc.record({ op: fc.oneof(fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE'), nasty), path: fc.option(fc.oneof(attributeName, nasty), { nil: undefined }), value: hostileJson });
    const patch = fc.oneof(hostileJson, fc.array(operation, { minLength: 1, maxLength: 4 }).map((Operations) => ({ schemas: [PATCH_OP], Operations })));
    await fc.assert(
      fc.asyncProperty(patch, fc.boolean(), async (body, onGroup) => {
        await refusedChangesNothing(() => scim.patch(onGroup ? `/Groups/${groupId}` : `/Users/${userId}`, body), `PATCH ${JSON.stringify(body).slice(0, 200)}`);
      }),
      { seed: 11, numRuns: RUNS },
    );
  });

  it('PUT with hostile bodies changes nothing when refused', async () => {
    const body = fc.oneof(hostileJson, fc.dictionary(attributeName, hostileJson, { maxKeys: 5 }).map((extra) => ({ schemas: [USER_URN], ...extra })));
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        await refusedChangesNothing(() => scim.put(`/Users/${userId}`, value), `PUT ${JSON.stringify(value).slice(0, 200)}`);
      }),
      { seed: 13, numRuns: RUNS },
    );
  });

  it('hostile filters, paging and attribute lists are a 200 or a SCIM 400', async () => {
    const query = fc.record({ filter: nasty, startIndex: fc.oneof(nasty, fc.integer().map(String)), count: fc.oneof(nasty, fc.integer().map(String)), attributes: nasty, sortBy: nasty });
    await fc.assert(
      fc.asyncProperty(query, fc.constantFrom('/Users', '/Groups'), fc.subarray(['filter', 'startIndex', 'count', 'attributes', 'sortBy']), async (q, endpoint, keys) => {
        const params = new URLSearchParams(keys.map((k) => [k, q[k as keyof typeof q]]));
        await expectScimAnswer(await scim.get(`${endpoint}?${params}`), `GET ${endpoint}?${params}`);
      }),
      { seed: 17, numRuns: RUNS },
    );
  });

  it('raw bytes that are not JSON, or JSON nested too deep, are a SCIM 400', async () => {
    const raw = fc.oneof(fc.string({ maxLength: 200 }), fc.integer({ min: 65, max: 3000 }).map((n) => '['.repeat(n) + ']'.repeat(n)));
    await fc.assert(
      fc.asyncProperty(raw, async (text) => {
        await refusedChangesNothing(() => scim.request('PATCH', `/Users/${userId}`, text), `PATCH raw ${text.slice(0, 80)}`);
      }),
      { seed: 19, numRuns: RUNS },
    );
  });
});

describe('sign-in under hostile query strings', () => {
  it('answers every hostile sign-in URL below 500, with a page, and never redirects off-site except to the provider', async () => {
    const path = fc.constantFrom('/auth/{slug}/login', '/auth/login', '/auth/{slug}/initiate', '/auth/callback', '/auth/{slug}/frontchannel-logout', '/setup/{slug}', '/setup/{slug}/open');
    const params = fc.dictionary(fc.constantFrom('return_to', 'login_hint', 'email', 'iss', 'target_link_uri', 'state', 'code', 'sid', 'key', 'error'), nasty, { maxKeys: 4 });
    await fc.assert(
      fc.asyncProperty(path, params, async (template, query) => {
        const url = `${template.replace('{slug}', slug)}?${new URLSearchParams(query)}`;
        const response = await app(new CookieJar(), url);
        expect(response.status, url).toBeLessThan(500);
        const location = response.headers.get('location');
        if (location) {
          const target = new URL(location, TEST_APP_ORIGIN);
          expect([new URL(oktaIssuer()).origin, TEST_APP_ORIGIN], url).toContain(target.origin);
        } else {
          expect(response.headers.get('content-type'), url).toMatch(/^text\/html/);
        }
      }),
      { seed: 23, numRuns: RUNS },
    );
  });
});
