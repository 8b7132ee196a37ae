/** Microsoft Entra ID's request shapes (docs/interop.md) against Users. */
import { beforeAll, describe, expect, it } from 'vitest';
import { tenantWithToken, type ScimClient } from './support/tenants.ts';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function entraUser(userName: string, externalId: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId,
    userName,
    active: 'True',
    displayName: 'Jane Young',
    title: null,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: 'Jane Young', familyName: 'Young', givenName: 'Jane' },
    [ENTERPRISE]: { department: 'Finance', employeeNumber: null },
  };
}

type User = Record<string, unknown> & { id: string };

describe('Entra ID provisioning shapes', () => {
  let scim: ScimClient;
  let jane: User;
  let boss: User;
  const patch = (id: string, Operations: unknown[]) => scim.patch(`/Users/${id}`, { schemas: [PATCH_OP], Operations });

  beforeAll(async () => {
    ({ scim } = await tenantWithToken());
  });

  it('connection test: a filter on a random GUID answers an empty 200 ListResponse', async () => {
    const res = await scim.get(`/Users?filter=${encodeURIComponent(`userName eq "${crypto.randomUUID()}"`)}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it('creates a user whose body carries string booleans and nulls', async () => {
    const res = await scim.post('/Users', entraUser('jyoung@contoso.com', 'jyoung'));
    expect(res.status).toBe(201);
    jane = (await res.json()) as User;
    expect(jane).toMatchObject({ active: true, [ENTERPRISE]: { department: 'Finance' } });
    expect(jane).not.toHaveProperty('title');
    expect(jane[ENTERPRISE]).not.toHaveProperty('employeeNumber');
    boss = (await (await scim.post('/Users', entraUser('boss@contoso.com', 'boss'))).json()) as User;
  });

  it('finds users by externalId (also a bare word), by work email, and by combined filters', async () => {
    for (const filter of ['externalId eq "jyoung"', 'externalId eq jyoung', 'emails[type eq "work"].value eq "JYoung@contoso.com"', 'userName eq "jyoung@contoso.com" and externalId eq "jyoung"']) {
      const body = (await (await scim.get(`/Users?filter=${encodeURIComponent(filter)}`)).json()) as { totalResults: number; Resources: User[] };
      expect(body.totalResults, filter).toBe(1);
      expect(body.Resources[0]!.id).toBe(jane.id);
    }
  });

  it('applies capitalised ops, string booleans, URN paths, filtered paths and one-element arrays', async () => {
    const res = await patch(jane.id, [
      { op: 'Replace', path: 'displayName', value: 'Jane Q. Young' },
      { op: 'Replace', path: 'name.givenName', value: 'Janet' },
      { op: 'Add', path: `${ENTERPRISE}:employeeNumber`, value: '701984' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'janet.young@contoso.com' },
      { op: 'Add', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555 0100' },
      { op: 'Replace', path: 'title', value: [{ value: 'Controller' }] },
      { op: 'Replace', path: 'active', value: 'False' },
    ]);
    expect(res.status).toBe(200);
    const after = (await res.json()) as User;
    expect(after).toMatchObject({
      displayName: 'Jane Q. Young',
      name: { givenName: 'Janet', familyName: 'Young' },
      title: 'Controller',
      active: false,
      emails: [{ type: 'work', value: 'janet.young@contoso.com', primary: true }],
      phoneNumbers: [{ type: 'mobile', value: '+1 555 0100' }],
      [ENTERPRISE]: { employeeNumber: '701984', department: 'Finance' },
    });
    // The email index follows the change.
    const byEmail = (await (await scim.get(`/Users?filter=${encodeURIComponent('emails[type eq "work"].value eq "janet.young@contoso.com"')}`)).json()) as { totalResults: number };
    expect(byEmail.totalResults).toBe(1);
  });

  it('treats dotted keys in a pathless replace as paths, and sets the manager from Entra’s array shape', async () => {
    const res = await patch(jane.id, [
      { op: 'Replace', value: { 'name.familyName': 'Young-Smith', [`${ENTERPRISE}:department`]: 'Treasury', active: 'True' } },
      { op: 'Add', path: 'manager', value: [{ $ref: `${scim.base}/Users/${boss.id}`, value: boss.id }] },
    ]);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      name: { familyName: 'Young-Smith' },
      active: true,
      [ENTERPRISE]: { department: 'Treasury', manager: { value: boss.id } },
    });
  });

  it('answers re-sent, unchanged values with 200 and no new version', async () => {
    const before = (await (await scim.get(`/Users/${jane.id}`)).json()) as User & { meta: { version: string } };
    const res = await patch(jane.id, [{ op: 'Replace', path: 'displayName', value: 'Jane Q. Young' }, { op: 'Add', path: 'emails[type eq "work"].value', value: 'janet.young@contoso.com' }]);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { meta: { version: string } }).meta.version).toBe(before.meta.version);
  });

  it('reports PATCH errors with the right scimType and applies nothing', async () => {
    const cases: [unknown[], string][] = [
      [[{ op: 'Replace', path: 'id', value: 'x' }], 'mutability'],
      [[{ op: 'Replace', path: 'meta.created', value: '2020-01-01T00:00:00Z' }], 'mutability'],
      [[{ op: 'Replace', path: 'nosuch', value: 'x' }], 'invalidPath'],
      [[{ op: 'Replace', path: 'emails[type eq', value: 'x' }], 'invalidPath'],
      [[{ op: 'Remove' }], 'noTarget'],
      [[{ op: 'Replace', path: 'active', value: 'maybe' }], 'invalidValue'],
      [[{ op: 'Remove', path: 'userName' }], 'mutability'],
    ];
    for (const [operations, scimType] of cases) {
      const res = await patch(jane.id, operations);
      expect(res.status, JSON.stringify(operations)).toBe(400);
      expect(((await res.json()) as { scimType: string }).scimType, JSON.stringify(operations)).toBe(scimType);
    }
    const bad = await scim.patch(`/Users/${jane.id}`, { schemas: ['urn:wrong'], Operations: [] });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { scimType: string }).scimType).toBe('invalidSyntax');
  });

  it('hard-deletes with DELETE: 204, then 404, and the userName is free again', async () => {
    expect((await scim.delete(`/Users/${boss.id}`)).status).toBe(204);
    expect((await scim.get(`/Users/${boss.id}`)).status).toBe(404);
    expect((await scim.delete(`/Users/${boss.id}`)).status).toBe(404);
    expect((await scim.post('/Users', entraUser('boss@contoso.com', 'boss'))).status).toBe(201);
  });
});
