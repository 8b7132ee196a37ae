/**
 * The per-request limits that keep one request from holding a tenant's single writer: PATCH
 * operations, values of one multi-valued attribute, members named by one request, and body nesting.
 * Each refusal is the SCIM error shape and leaves the stored resource as it was.
 */
import { describe, expect, it } from 'vitest';
import { env } from 'cloudflare:test';
import { MAX_AUDIT_DETAIL } from '../src/audit/audit-log.ts';
import { MAX_JSON_DEPTH, MAX_PATCH_OPERATIONS, MAX_STORED_RESOURCE_BYTES, MAX_VALUES_PER_ATTRIBUTE } from '../src/scim/limits.ts';
import { createGroup, createUsers, GROUP_URN, memberIdsOf, PATCH_OP, patchGroup } from './support/groups.ts';
import { oktaNewUser } from './support/okta-bodies.ts';
import { tenantWithToken } from './support/tenants.ts';

async function scimError(response: Response, status: number, scimType: string) {
  expect(response.status).toBe(status);
  const body = (await response.json()) as { schemas: string[]; status: string; scimType?: string; detail: string };
  expect(body).toMatchObject({ schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], status: String(status), scimType });
  return body.detail;
}

/** `depth` levels of nested objects, innermost `{}`. */
function nested(depth: number): unknown {
  let value: unknown = {};
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
}

describe('PATCH operations per request', () => {
  it(`refuses more than ${MAX_PATCH_OPERATIONS} operations and changes nothing; accepts exactly that many`, async () => {
    const t = await tenantWithToken();
    const created = (await (await t.scim.post('/Users', oktaNewUser('ops@acme.test'))).json()) as { id: string; meta: { version: string } };
    const op = (i: number) => ({ op: 'replace', path: 'displayName', value: `Name ${i}` });
    const tooMany = await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: Array.from({ length: MAX_PATCH_OPERATIONS + 1 }, (_, i) => op(i)) });
    expect(await scimError(tooMany, 400, 'invalidSyntax')).toMatch(/at most 1000 operations per request/);
    const after = (await (await t.scim.get(`/Users/${created.id}`)).json()) as { displayName: string; meta: { version: string } };
    expect(after.meta.version).toBe(created.meta.version);
    const most = await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: Array.from({ length: MAX_PATCH_OPERATIONS }, (_, i) => op(i)) });
    expect(most.status).toBe(200);
    expect(((await most.json()) as { displayName: string }).displayName).toBe(`Name ${MAX_PATCH_OPERATIONS - 1}`);
  });
});

describe('values of one multi-valued attribute', () => {
  it(`refuses more than ${MAX_VALUES_PER_ATTRIBUTE} emails in a POST or a PATCH`, async () => {
    const t = await tenantWithToken();
    const emails = Array.from({ length: MAX_VALUES_PER_ATTRIBUTE + 1 }, (_, i) => ({ value: `e${i}@acme.test`, type: 'other' }));
    expect(await scimError(await t.scim.post('/Users', oktaNewUser('many@acme.test', { emails })), 400, 'invalidValue')).toMatch(/holds 10001 values; at most 10000/);
    const created = (await (await t.scim.post('/Users', oktaNewUser('few@acme.test'))).json()) as { id: string; emails: unknown[] };
    await scimError(await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: emails }] }), 400, 'invalidValue');
    expect(((await (await t.scim.get(`/Users/${created.id}`)).json()) as { emails: unknown[] }).emails).toEqual(created.emails);
  });

  it('adds and removes thousands of values in one PATCH, matched case-insensitively', async () => {
    const t = await tenantWithToken();
    const created = (await (await t.scim.post('/Users', oktaNewUser('bulk@acme.test'))).json()) as { id: string };
    const emails = Array.from({ length: 5000 }, (_, i) => ({ value: `E${i}@acme.test`, type: 'other' }));
    const added = await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'emails', value: emails }, { op: 'add', path: 'emails', value: emails.map((e) => ({ value: e.value.toLowerCase() })) }] });
    expect(added.status).toBe(200);
    // The second add re-sends the same addresses in another case: caseExact=false, so nothing is added twice.
    expect(((await added.json()) as { emails: unknown[] }).emails).toHaveLength(5001);
    const removed = await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'emails', value: emails.slice(0, 4999) }] });
    expect(((await removed.json()) as { emails: { value: string }[] }).emails.map((e) => e.value)).toEqual(['bulk@acme.test', 'E4999@acme.test']);
  });
});

describe('members named by one request', () => {
  it(`refuses more than ${MAX_VALUES_PER_ATTRIBUTE} members across a request's operations and changes nothing`, async () => {
    const t = await tenantWithToken();
    const [user] = await createUsers(t.scim, 1);
    const group = await createGroup(t.scim, 'Capped', [user!.id]);
    const ids = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ value: `00000000-0000-4000-8000-${String(from + i).padStart(12, '0')}` }));
    await scimError(await patchGroup(t.scim, group.id, [{ op: 'add', path: 'members', value: ids(MAX_VALUES_PER_ATTRIBUTE + 1) }]), 400, 'invalidValue');
    const split = [{ op: 'add', path: 'members', value: ids(6000) }, { op: 'remove', path: 'members', value: ids(6000, 6000) }];
    expect(await scimError(await patchGroup(t.scim, group.id, split), 400, 'invalidValue')).toMatch(/12000 members in one request; at most 10000/);
    await scimError(await t.scim.put(`/Groups/${group.id}`, { schemas: [GROUP_URN], displayName: 'Capped', members: ids(MAX_VALUES_PER_ATTRIBUTE + 1) }), 400, 'invalidValue');
    expect(await memberIdsOf(t.scim, group.id)).toEqual([user!.id]);
  });

  it('takes members inside a pathless core-schema block as a membership change (was a 500)', async () => {
    const t = await tenantWithToken();
    const [alice, bob] = await createUsers(t.scim, 2);
    const group = await createGroup(t.scim, 'Blocked', [alice!.id]);
    const response = await patchGroup(t.scim, group.id, [{ op: 'replace', value: { [GROUP_URN]: { members: [{ value: bob!.id }], displayName: 'Blocked Renamed' } } }]);
    expect(response.status).toBe(204);
    expect(await memberIdsOf(t.scim, group.id)).toEqual([bob!.id]);
    const renamed = (await (await t.scim.get(`/Groups/${group.id}?excludedAttributes=members`)).json()) as { displayName: string };
    expect(renamed.displayName).toBe('Blocked Renamed');
    await scimError(await patchGroup(t.scim, group.id, [{ op: 'add', value: { [GROUP_URN]: { members: 'not-a-member-list' } } }]), 400, 'invalidValue');
  });
});

describe('body nesting', () => {
  it(`refuses bodies nested deeper than ${MAX_JSON_DEPTH} levels with invalidSyntax, thousands of levels too`, async () => {
    const t = await tenantWithToken();
    const within = await t.scim.post('/Users', oktaNewUser('deep@acme.test', { unknownAttribute: nested(MAX_JSON_DEPTH - 1) }));
    expect(within.status).toBe(201);
    for (const depth of [MAX_JSON_DEPTH, 5000]) {
      const body = oktaNewUser(`deep${depth}@acme.test`, { unknownAttribute: nested(depth) });
      expect(await scimError(await t.scim.post('/Users', body), 400, 'invalidSyntax')).toMatch(/more than 64 levels/);
    }
    const arrays = `{"schemas":["${PATCH_OP}"],"Operations":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const id = ((await within.json()) as { id: string }).id;
    await scimError(await t.scim.patch(`/Users/${id}`, arrays), 400, 'invalidSyntax');
  });
});

describe('what a tenant may store', () => {
  it(`refuses a resource whose stored attributes would exceed ${MAX_STORED_RESOURCE_BYTES} bytes`, async () => {
    const t = await tenantWithToken();
    const emails = Array.from({ length: 9000 }, (_, i) => ({ value: `a-rather-long-mailbox-name-${String(i).padStart(5, '0')}@bench.example.com`, type: 'other' }));
    const detail = await scimError(await t.scim.post('/Users', oktaNewUser('big@acme.test', { emails })), 400, 'invalidValue');
    expect(detail).toMatch(/at most 524288 are kept per resource/);
    const listed = (await (await t.scim.get(`/Users?filter=${encodeURIComponent('userName eq "big@acme.test"')}`)).json()) as { totalResults: number };
    expect(listed.totalResults).toBe(0);
  });

  it(`keeps at most ${MAX_AUDIT_DETAIL} characters of a refused write's detail in the audit log`, async () => {
    const t = await tenantWithToken();
    const created = (await (await t.scim.post('/Users', oktaNewUser('audited@acme.test'))).json()) as { id: string };
    const long = 'x'.repeat(5000);
    const refused = await t.scim.patch(`/Users/${created.id}`, { schemas: [PATCH_OP], Operations: [{ op: 'add', value: long }] });
    expect((await scimError(refused, 400, 'invalidValue')).length).toBeGreaterThan(5000);
    const row = await env.DB.prepare("SELECT detail FROM audit_log WHERE tenant_id = ? AND outcome = 'failure' ORDER BY at DESC, id DESC LIMIT 1").bind(t.tenant.id).first<{ detail: string }>();
    expect(row!.detail).toHaveLength(MAX_AUDIT_DETAIL);
    expect(row!.detail.endsWith('…')).toBe(true);
  });
});
